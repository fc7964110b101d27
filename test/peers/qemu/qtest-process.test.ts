/**
 * The async qtest client: protocol parsing and IRQ attribution against a real QEMU
 * (one process for the block; fails with QemuMissing's message if QEMU is absent),
 * and process handling (missing binary, silent peer, SIGTERM-ignoring peer) against
 * tiny stand-in executables that need no QEMU.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuMissing, QtestCommandFailed, QtestError, QtestProcess, QtestTimeout } from './qtest-process.js';

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('QtestProcess against QEMU (virtio.md §11.2 protocol)', () => {
  let q: QtestProcess;

  beforeAll(async () => {
    q = await QtestProcess.start({ extraArgs: ['-serial', 'null'] });
  });
  afterAll(async () => {
    await q?.close();
  });

  it('pipelines the UART loopback anchor and parses OK values (trap-emulate.md §9)', async () => {
    const replies = await q.batch(['outb 0x3fb 0x03', 'outb 0x3fc 0x10', 'outb 0x3f8 0x41', 'inb 0x3fd', 'inb 0x3f8']);
    expect(replies.slice(0, 3)).toEqual(['', '', '']);
    expect(replies.slice(3).map((r) => Number.parseInt(r, 16))).toEqual([0x61, 0x41]);
    await q.outb(0x3fc, 0x00);
  });

  it('attributes IRQ lines that precede an OK to the access that caused them', async () => {
    await q.irqInterceptIn('ioapic');
    const raiseAt = q.replyCount;
    // IER.THRI 0→1 with THR empty: the line rises before this command's OK (trap-emulate.md §2).
    await q.outb(0x3f9, 0x02);
    expect(q.irqLevel(4)).toBe(true);
    const lowerAt = q.replyCount;
    expect(await q.inb(0x3fa)).toBe(0x02); // IIR reports THRE and clears it: the line drops
    expect(q.irqEvents(4).map((e) => [e.level, e.afterReplies])).toEqual([
      [true, raiseAt],
      [false, lowerAt],
    ]);
    expect(q.irqLevel(4)).toBe(false);
    expect(q.irqEvents().filter((e) => e.line === 4)).toEqual(q.irqEvents(4));
    await q.outb(0x3f9, 0x00);
  });

  it('turns FAIL into QtestCommandFailed and stays aligned for the next command', async () => {
    const err = await q.cmd('clock_step 10').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QtestCommandFailed);
    expect((err as QtestCommandFailed).reply).toMatch(/Unknown command/);
    expect(await q.inb(0x3fd)).toBe(0x60);
  });

  it('reads and writes guest RAM: sized, 64-bit, bulk hex and memset', async () => {
    await q.writel(0x2000, 0x11223344);
    expect(await q.read(0x2000, 4)).toEqual(Uint8Array.of(0x44, 0x33, 0x22, 0x11));
    await q.writeq(0x2008, 0x0102_0304_0506_0708n);
    expect(await q.readq(0x2008)).toBe(0x0102_0304_0506_0708n);
    expect(await q.readw(0x200e)).toBe(0x0102);
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    await q.write(0x3000, bytes);
    expect(await q.read(0x3000, 300)).toEqual(bytes);
    await q.memset(0x3010, 16, 0xee);
    const back = new Uint8Array(20);
    await q.readInto(0x300e, 18, back, 2);
    expect(Array.from(back.subarray(2, 4))).toEqual([bytes[14], bytes[15]]);
    expect(back.subarray(4, 20).every((b) => b === 0xee)).toBe(true);
  });

  it('close() ends QEMU (SIGTERM suffices) and later commands reject', async () => {
    const pid = q.pid;
    await q.close();
    expect(q.exitSignal).toBeNull();
    expect(isRunning(pid)).toBe(false);
    await expect(q.inb(0x3fd)).rejects.toThrow(/closed/);
  });
});

describe('QtestProcess process handling (stand-in executables)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-qtest-fake-'));
  const script = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  // Accepts the QEMU command line and never answers.
  const silent = script('silent-qemu', 'exec sleep 30');
  // Ignores SIGTERM (as a wedged QEMU might): only SIGKILL ends it.
  const stubborn = script('stubborn-qemu', "trap '' TERM\necho trap-set\nexec sleep 30");

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects with QemuMissing and the install hint when the binary does not exist', async () => {
    const err = await QtestProcess.start({ binary: join(dir, 'no-such-qemu') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuMissing);
    expect((err as Error).message).toMatch(/not found on PATH.*apt-get install qemu-system-x86/);
  });

  it('times a silent peer out with the command in the message, fails everything pending and kills it', async () => {
    const q = await QtestProcess.start({ binary: silent, timeoutMs: 100 });
    const pid = q.pid;
    const first = q.cmd('inb 0x3f8').catch((e: unknown) => e);
    const second = q.cmd('inb 0x3fd').catch((e: unknown) => e);
    const err = await first;
    expect(err).toBeInstanceOf(QtestTimeout);
    expect((err as Error).message).toMatch(/"inb 0x3f8" got no reply within 100 ms/);
    expect(await second).toBe(err);
    await expect(q.cmd('inb 0x3f8')).rejects.toBeInstanceOf(QtestError);
    await q.close();
    expect(q.isOpen).toBe(false);
    expect(q.exitSignal).toBe('SIGKILL');
    expect(isRunning(pid)).toBe(false);
  });

  it('escalates to SIGKILL when the peer ignores SIGTERM', async () => {
    const q = await QtestProcess.start({ binary: stubborn, killGraceMs: 100 });
    const pid = q.pid;
    // The script reports its trap before signalling starts (a non-protocol line lands in `stray`).
    while (!q.stray.includes('trap-set')) await new Promise((r) => setTimeout(r, 5));
    await q.close();
    expect(q.exitSignal).toBe('SIGKILL');
    expect(isRunning(pid)).toBe(false);
    const err = await q.cmd('inb 0x3f8').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/closed/);
  });
});
