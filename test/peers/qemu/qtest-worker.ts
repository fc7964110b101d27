/**
 * Worker-thread side of the qtest mailbox (see qtest-mailbox.ts): owns the QEMU
 * process and its pipes, serves one synchronous request at a time for the caller
 * blocked in Atomics.wait, and mirrors IRQ lines into shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  Arg,
  Ctl,
  IRQ_LINES,
  Mailbox,
  MailboxOp,
  MailboxStatus,
  type WorkerControl,
  type WorkerInit,
  type WorkerStartup,
  waitAsync,
} from './qtest-mailbox.js';
import { QtestProcess } from './qtest-process.js';

const TWO32 = 4294967296;

type Sized = 1 | 2 | 4;

function asSized(size: number): Sized {
  if (size === 1 || size === 2 || size === 4) return size;
  throw new RangeError(`access size ${size}`);
}

async function serve(q: QtestProcess, box: Mailbox): Promise<void> {
  const { ctl, args } = box;
  const op = ctl[Ctl.op];
  const size = ctl[Ctl.size] ?? 0;
  const addr = args[Arg.addr] ?? 0;
  switch (op) {
    case MailboxOp.in:
      args[Arg.lo] = await q.in(asSized(size), addr);
      return;
    case MailboxOp.out:
      await q.out(asSized(size), addr, args[Arg.lo] ?? 0);
      return;
    case MailboxOp.readMem:
      if (size === 8) {
        const v = await q.readq(addr);
        args[Arg.lo] = Number(v & 0xffffffffn);
        args[Arg.hi] = Number(v >> 32n);
      } else {
        args[Arg.lo] = await q.readN(asSized(size), addr);
      }
      return;
    case MailboxOp.writeMem:
      if (size === 8) await q.writeq(addr, BigInt(args[Arg.hi] ?? 0) * BigInt(TWO32) + BigInt(args[Arg.lo] ?? 0));
      else await q.writeN(asSized(size), addr, args[Arg.lo] ?? 0);
      return;
    case MailboxOp.readBulk:
      await q.readInto(addr, args[Arg.len] ?? 0, box.data);
      return;
    case MailboxOp.writeBulk:
      await q.write(addr, box.data, 0, args[Arg.len] ?? 0);
      return;
    case MailboxOp.memset:
      await q.memset(addr, args[Arg.len] ?? 0, args[Arg.lo] ?? 0);
      return;
    default:
      throw new Error(`unknown mailbox op ${op}`);
  }
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const box = new Mailbox(init.buffer);
  const port = parentPort;
  if (port === null) throw new Error('qtest-worker must run in a worker thread');
  let q: QtestProcess;
  try {
    q = await QtestProcess.start(init.qtest);
    q.onIrq((e) => {
      if (e.line < IRQ_LINES) {
        Atomics.store(box.levels, e.line, e.level ? 1 : 0);
        if (e.level) Atomics.add(box.raises, e.line, 1);
      }
      Atomics.add(box.ctl, Ctl.irqChanges, 1);
      Atomics.notify(box.ctl, Ctl.irqChanges);
    });
    await q.irqInterceptIn(init.interceptIrqsOf);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ kind: 'failed', message: e.message, name: e.name } satisfies WorkerStartup);
    return;
  }
  const pid = q.pid ?? 0;
  Atomics.store(box.ctl, Ctl.qemuPid, pid);
  port.postMessage({ kind: 'ready', pid } satisfies WorkerStartup);
  port.on('message', (m: WorkerControl) => {
    if (m.kind !== 'close') return;
    void q.close().then(() => port.postMessage({ kind: 'closed' } satisfies WorkerControl));
  });
  // Sequence numbers start at 0; the caller may already have posted request 1.
  let handled = 0;
  for (;;) {
    const w = waitAsync(box.ctl, Ctl.request, handled);
    if (w.async) await w.value;
    const seq = Atomics.load(box.ctl, Ctl.request);
    if (seq === handled) continue;
    try {
      await serve(q, box);
      box.ctl[Ctl.status] = MailboxStatus.ok;
    } catch (err) {
      box.writeText(err instanceof Error ? err.message : String(err));
      box.ctl[Ctl.status] = MailboxStatus.failed;
    }
    handled = seq;
    // Results and status are written before `reply` publishes them.
    Atomics.store(box.ctl, Ctl.reply, seq);
    Atomics.notify(box.ctl, Ctl.reply);
  }
}

void main();
