import { describe, expect, it } from 'vitest';
import {
  type BlockBackendOptions,
  createBlockBackend,
  createConsoleBackend,
  createNetBackend,
  FNV,
  fnvBytes,
  RecordingBlockBackend,
  RecordingConsoleBackend,
  RecordingNetBackend,
} from '../../../models/backend/index.js';
import type { BackendBlockRequest } from '../../../models/platform/backend-api.js';
import { SECTOR_SIZE } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { Completions, env, request, segment } from './helpers.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FNV-1a 32', () => {
  // Test vectors from the FNV reference test suite (draft-eastlake-fnv appendix).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the published value', (input, expected) => {
    const b = ascii(input);
    expect(fnvBytes(FNV.offsetBasis, b, 0, b.length)).toBe(expected);
  });
});

/**
 * A small seeded workload: writes of patterned data, reads back, a flush, a discard, an
 * out-of-range read, a get-id. `flip` changes one byte of one write.
 */
function runWorkload(
  opts: Partial<BlockBackendOptions> = {},
  flip?: { request: number; byte: number },
  depth = 1,
): RecordingBlockBackend {
  const e = env(99);
  const inner = createBlockBackend({ store: 'memory', capacitySectors: 4096, ...opts }, e.sched, e.meter, e.rng);
  const rec = new RecordingBlockBackend(inner);
  const c = new Completions(e.sched);
  const wl = new Rng(1234);
  const reqs: BackendBlockRequest[] = [];
  for (let i = 0; i < 12; i++) {
    const sectors = 1 + wl.below(8);
    const sector = wl.below(4096 - sectors);
    const data = new Uint8Array(sectors * SECTOR_SIZE);
    wl.fill(data);
    if (flip !== undefined && flip.request === i) data[flip.byte] = (data[flip.byte] ?? 0) ^ 1;
    reqs.push(request('write', sector, sectors, [segment(data)]));
    reqs.push(request('read', sector, sectors, [segment(new Uint8Array(sectors * SECTOR_SIZE))]));
  }
  reqs.push(request('flush', 0, 0));
  reqs.push(request('discard', 10, 4));
  reqs.push(request('read', 5000, 1, [segment(new Uint8Array(SECTOR_SIZE))]));
  reqs.push(request('get-id', 0, 0, [segment(new Uint8Array(20))]));
  // Issue with `depth` outstanding, in order.
  let next = 0;
  const issue = (): void => {
    const r = reqs[next++];
    if (r !== undefined) rec.submit(r, c.done);
  };
  for (let i = 0; i < depth; i++) issue();
  let seen = 0;
  while (e.sched.step()) {
    while (seen < c.log.length) {
      seen++;
      issue();
    }
  }
  expect(c.log).toHaveLength(reqs.length);
  return rec;
}

describe('RecordingBlockBackend', () => {
  it('records op, range, status and a hash of the data moved for each request', () => {
    const rec = runWorkload();
    const trace = rec.trace();
    expect(trace).toHaveLength(28);
    expect(trace[0]!.op).toBe('write');
    expect(trace[1]!.op).toBe('read');
    // A read returns what the write stored: identical data hash and range.
    expect(trace[1]!.dataHash).toBe(trace[0]!.dataHash);
    expect(trace[1]!.sector).toBe(trace[0]!.sector);
    expect(trace.at(-2)).toMatchObject({ op: 'read', sector: 5000, status: 'ioerr', dataHash: FNV.offsetBasis });
    expect(trace.at(-3)).toMatchObject({ op: 'discard', sector: 10, sectors: 4, status: 'ok' });
    const id = new Uint8Array(20);
    id.set(ascii(createBlockBackendSerial()));
    expect(trace.at(-1)!.dataHash).toBe(fnvBytes(FNV.offsetBasis, id, 0, 20));
    expect(rec.digest().count).toBe(28);
  });

  it('gives equal digests for equal workloads, across service models', () => {
    const a = runWorkload({ service: 'ram' });
    const b = runWorkload({ service: 'ram' });
    const c = runWorkload({ service: 'hdd' });
    expect(b.trace()).toEqual(a.trace());
    expect(b.digest()).toEqual(a.digest());
    expect(c.digest()).toEqual(a.digest()); // QD1: same order on any device
  });

  it('changes both digests when one byte of one write changes', () => {
    const a = runWorkload();
    const b = runWorkload({}, { request: 5, byte: 17 });
    expect(b.digest().ordered).not.toBe(a.digest().ordered);
    expect(b.digest().unordered).not.toBe(a.digest().unordered);
    const diff = a.trace().flatMap((e, i) => (e.dataHash === b.trace()[i]!.dataHash ? [] : [i]));
    expect(diff).toEqual([10, 11]); // the write and the read that returns it
  });

  it('keeps the unordered digest when completion order differs, while the ordered one changes', () => {
    // At depth 8 an nvme completes writes (≈ 20 µs) before earlier reads (≈ 80 µs); an hdd is FIFO.
    const fifo = runWorkload({ service: 'hdd' }, undefined, 8);
    const reordered = runWorkload({ service: 'nvme' }, undefined, 8);
    const ops = (r: RecordingBlockBackend) => r.trace().map((e) => `${e.op}@${e.sector}`);
    expect(ops(reordered)).not.toEqual(ops(fifo));
    expect([...ops(reordered)].sort()).toEqual([...ops(fifo)].sort());
    expect(reordered.digest().unordered).toBe(fifo.digest().unordered);
    expect(reordered.digest().ordered).not.toBe(fifo.digest().ordered);
  });

  it('passes the inner backend through unchanged', () => {
    const e = env();
    const inner = createBlockBackend(
      { store: 'memory', capacitySectors: 77, readOnly: true, serial: 'S1' },
      e.sched,
      e.meter,
      e.rng,
    );
    const rec = new RecordingBlockBackend(inner);
    expect([rec.capacitySectors, rec.readOnly, rec.serial]).toEqual([77, true, 'S1']);
  });

  it('stops keeping entries past maxEntries but digests every request', () => {
    const e = env();
    const inner = createBlockBackend({ store: 'memory', capacitySectors: 8 }, e.sched, e.meter, e.rng);
    const rec = new RecordingBlockBackend(inner, { maxEntries: 2 });
    const c = new Completions(e.sched);
    for (let i = 0; i < 5; i++) rec.submit(request('flush', 0, 0), c.done);
    e.sched.run();
    expect(rec.trace()).toHaveLength(2);
    expect(rec.truncated).toBe(3);
    expect(rec.digest().count).toBe(5);
  });
});

function createBlockBackendSerial(): string {
  const e = env();
  return createBlockBackend({ store: 'memory', capacitySectors: 1 }, e.sched, e.meter, e.rng).serial;
}

describe('RecordingNetBackend and RecordingConsoleBackend', () => {
  it('digests frames per direction and tells one changed byte apart', () => {
    const run = (change: boolean) => {
      const e = env();
      const rec = new RecordingNetBackend(createNetBackend({ peer: { mode: 'echo' } }, e.sched, e.meter, e.rng));
      const got: number[] = [];
      rec.setReceiver({ canReceive: () => true, receive: (_b, _o, len) => got.push(len) });
      const f = new Uint8Array(60);
      f.set([0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56]);
      for (let i = 0; i < 3; i++) {
        f[20] = i + (change && i === 2 ? 100 : 0);
        rec.transmit(f, 0, f.length);
      }
      e.sched.run();
      expect(got).toEqual([60, 60, 60]);
      return rec;
    };
    const a = run(false);
    const b = run(false);
    const c = run(true);
    expect(a.trace()).toHaveLength(6);
    expect(a.trace().filter((t) => t.direction === 'rx')).toHaveLength(3);
    expect(b.digest()).toEqual(a.digest());
    expect(c.digest().tx).not.toEqual(a.digest().tx);
    expect(c.digest().rx).not.toEqual(a.digest().rx); // the echo carried the change back
  });

  it('digests console streams independently of how they were chunked', () => {
    const run = (chunks: string[]) => {
      const e = env();
      const rec = new RecordingConsoleBackend(createConsoleBackend({ echo: true }, e.sched, e.meter));
      rec.setReceiver({ room: () => 1, receive: () => {} }); // input arrives a byte at a time
      for (const s of chunks) rec.write(ascii(s), 0, s.length);
      e.sched.run();
      return rec.digest();
    };
    const whole = run(['hello world']);
    expect(run(['hel', 'lo ', 'world'])).toEqual(whole);
    expect(whole.input).toEqual(whole.output); // echo: the input stream is the output stream
    expect(run(['hello wprld']).output).not.toEqual(whole.output);
  });
});
