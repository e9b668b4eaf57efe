import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/checklist/errors.js';
import { checkIds } from '../../src/checklist/ids.js';

/** the problems checkIds reports, as "path: message" (a line lookup answers with the path's length) */
function problems(data: unknown): string[] {
  const out: string[] = [];
  checkIds(data, (p, m: Message) => out.push(`${p.join('.')}: ${typeof m === 'function' ? m((q) => q.length) : m}`));
  return out;
}

const item = (id: string, dependsOn?: unknown) => ({ id, ...(dependsOn === undefined ? {} : { dependsOn }) });

describe('checkIds', () => {
  it('duplicate ids, self and unknown dependencies (with did-you-mean), a block id named as a dependency', () => {
    expect(
      problems({
        blocks: [
          { id: 'b1', items: [item('1.1'), item('1.2', '1.2'), item('1.1')] },
          { id: 'b1', items: [item('2.1', ['1.3', 'b1'])] },
        ],
      }),
    ).toEqual([
      'blocks.0.items.2.id: duplicate item id "1.1" (first used at line 5)',
      'blocks.1.id: duplicate block id "b1" (first used at line 3)',
      'blocks.0.items.1.dependsOn: item "1.2" cannot depend on itself',
      'blocks.1.items.0.dependsOn.0: unknown item "1.3" in dependsOn (did you mean "1.1"?)',
      'blocks.1.items.0.dependsOn.1: unknown item "b1" in dependsOn ("b1" is a block id; list the block\'s item ids)',
    ]);
  });

  it('a cycle is named once, from its first item in the file', () => {
    expect(problems({ blocks: [{ id: 'b', items: [item('a', 'c'), item('b', 'a'), item('c', 'b')] }] })).toEqual([
      'blocks.0.items.0.dependsOn: dependency cycle: a → c → b → a',
    ]);
    expect(problems({ blocks: [{ id: 'b', items: [item('a'), item('b', ['a']), item('c', ['a', 'b'])] }] })).toEqual([]);
  });
});
