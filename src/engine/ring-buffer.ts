/** A fixed-capacity ring of strings: pushing past capacity drops the oldest. O(1) push, O(n) tail. */
export class RingBuffer {
  private buf: (string | undefined)[];
  private start = 0;
  private len = 0;
  /** total lines ever pushed (so views can show "line N of M" and detect change) */
  total = 0;

  constructor(readonly capacity: number) {
    // grows as lines come (an item with 3 lines of output holds 3 slots, not `capacity`): thousands of items each
    // holding an empty 5,000-slot array made the process big, and every spawn of a big process costs more
    this.buf = [];
  }

  push(line: string): void {
    this.total++;
    if (this.len < this.capacity) {
      this.buf[(this.start + this.len) % this.capacity] = line;
      this.len++;
    } else {
      this.buf[this.start] = line;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.len;
  }

  /** `n` lines ending `fromEnd` lines before the newest (fromEnd=0: the newest n lines). */
  tail(n: number, fromEnd = 0): string[] {
    const end = Math.max(0, this.len - fromEnd);
    const begin = Math.max(0, end - n);
    const out: string[] = [];
    for (let i = begin; i < end; i++) out.push(this.buf[(this.start + i) % this.capacity]!);
    return out;
  }

  clear(): void {
    this.buf = [];
    this.start = 0;
    this.len = 0;
  }
}
