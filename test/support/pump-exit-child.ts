/**
 * Child for capture-pump.test.ts: starts reading a pipe whose write end stays open (as a stray process would keep
 * it), so the capture worker is blocked in read(), then exits. Node waits for its workers at exit: the pump must
 * wake it, or this process never ends.
 */
import { pumpPipe } from '../../src/engine/capture-pump.js';
import { openFifos } from '../../src/engine/fifo.js';

const [ch] = (await openFifos(1))!;
pumpPipe(ch!.readFd, () => undefined, () => ch!.reader(() => undefined));
setTimeout(() => {
  process.stdout.write('exiting\n');
  process.exit(0);
}, 300);
