import { describe, expect, it } from 'vitest';
import { createBlockBackend, MemoryStore, SERIAL_BYTES } from '../../../models/backend/index.js';
import { SECTOR_SIZE } from '../../../models/platform/ports.js';
import { Completions, env, filled, request, segment } from './helpers.js';

function memoryBackend(capacitySectors = 1024, extra: { readOnly?: boolean; serial?: string } = {}) {
  const e = env();
  const backend = createBlockBackend({ store: 'memory', capacitySectors, ...extra }, e.sched, e.meter, e.rng);
  return { ...e, backend, completions: new Completions(e.sched) };
}

describe('block backend: data path', () => {
  it('reads back what was written, across segments of uneven sizes', () => {
    const { sched, backend, completions } = memoryBackend();
    const data = filled(3 * SECTOR_SIZE, 7);
    // Split the write 100 / 1000 / rest and the read 1 / 1535: segments need not be sector sized.
    backend.submit(
      request('write', 10, 3, [segment(data, 0, 100), segment(data, 100, 1000), segment(data, 1100)]),
      completions.done,
    );
    const back = new Uint8Array(3 * SECTOR_SIZE + 8);
    backend.submit(
      request('read', 10, 3, [segment(back, 4, 1), segment(back, 5, 3 * SECTOR_SIZE - 1)]),
      completions.done,
    );
    sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(back.subarray(4, 4 + 3 * SECTOR_SIZE)).toEqual(data);
    expect(back.subarray(0, 4)).toEqual(new Uint8Array(4)); // bytes outside the segments untouched
  });

  it('reads never-written sectors as zeros', () => {
    const { sched, backend, completions } = memoryBackend();
    const back = new Uint8Array(2 * SECTOR_SIZE).fill(0xaa);
    backend.submit(request('read', 500, 2, [segment(back)]), completions.done);
    sched.run();
    expect(completions.at(0).status).toBe('ok');
    expect(back.every((b) => b === 0)).toBe(true);
  });

  it('completes through the scheduler, never inside submit', () => {
    const { sched, backend, completions } = memoryBackend();
    backend.submit(request('flush', 0, 0), completions.done);
    backend.submit(request('read', 5000, 1, [segment(new Uint8Array(SECTOR_SIZE))]), completions.done); // an error too
    expect(completions.log).toHaveLength(0);
    expect(sched.pending).toBe(2);
    sched.run();
    expect(completions.log).toHaveLength(2);
  });

  it('fails out-of-range, negative and non-integer sectors with ioerr and touches no data', () => {
    const { sched, backend, completions } = memoryBackend(64);
    const buf = new Uint8Array(2 * SECTOR_SIZE).fill(0x5a);
    const cases: [number, number][] = [
      [63, 2], // sector + sectors > capacity
      [65, 0], // starts past the end
      [-1, 1],
      [1.5, 1],
      [0, 0.5],
      [Number.NaN, 1],
    ];
    for (const [sector, sectors] of cases) {
      const len = Number.isInteger(sectors) && sectors >= 0 ? sectors * SECTOR_SIZE : SECTOR_SIZE;
      backend.submit(request('read', sector, sectors, [segment(buf, 0, len)]), completions.done);
    }
    backend.submit(request('write', 63, 2, [segment(buf)]), completions.done);
    backend.submit(request('discard', 60, 5), completions.done);
    backend.submit(request('write-zeroes', -2, 1), completions.done);
    sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(Array(cases.length + 3).fill('ioerr'));
    expect(buf.every((b) => b === 0x5a)).toBe(true);
    expect(backend.stats.ioErrors).toBe(cases.length + 3);
    // The last full sector is still addressable.
    backend.submit(request('read', 63, 1, [segment(buf, 0, SECTOR_SIZE)]), completions.done);
    sched.run();
    expect(completions.log.at(-1)?.status).toBe('ok');
  });

  it('fails read/write whose segments do not add up to sectors × 512', () => {
    const { sched, backend, completions } = memoryBackend();
    const buf = new Uint8Array(2 * SECTOR_SIZE);
    backend.submit(request('write', 0, 2, [segment(buf, 0, SECTOR_SIZE)]), completions.done);
    backend.submit(request('read', 0, 1, [segment(buf, 0, SECTOR_SIZE + 1)]), completions.done);
    // A segment reaching past its array is malformed, whatever the total.
    backend.submit(request('read', 0, 1, [segment(buf, SECTOR_SIZE + 1, SECTOR_SIZE)]), completions.done);
    const stale = request('read', 0, 1, [segment(buf, 0, SECTOR_SIZE)]);
    stale.iovCount = 2; // more segments claimed than present
    backend.submit(stale, completions.done);
    sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(['ioerr', 'ioerr', 'ioerr', 'ioerr']);
  });

  it('uses only the first iovCount segments (the array is reused)', () => {
    const { sched, backend, completions } = memoryBackend();
    const data = filled(SECTOR_SIZE, 3);
    const junk = new Uint8Array(SECTOR_SIZE).fill(0xee);
    const req = request('write', 2, 1, [segment(data), segment(junk)]);
    req.iovCount = 1;
    backend.submit(req, completions.done);
    const back = new Uint8Array(SECTOR_SIZE);
    backend.submit(request('read', 2, 1, [segment(back)]), completions.done);
    sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(back).toEqual(data);
  });

  // virtio 1.2 §5.2.6: a read-only device fails writes and nothing is written
  it('refuses writes, discards and write-zeroes on a read-only device with ioerr, leaving data intact', () => {
    const e = env();
    const store = new MemoryStore(128);
    const original = filled(SECTOR_SIZE, 11);
    store.writeBytes(8 * SECTOR_SIZE, original, 0, SECTOR_SIZE);
    const ro = createBlockBackend({ store, capacitySectors: 128, readOnly: true }, e.sched, e.meter, e.rng);
    const completions = new Completions(e.sched);
    expect(ro.readOnly).toBe(true);
    ro.submit(request('write', 8, 1, [segment(filled(SECTOR_SIZE, 12))]), completions.done);
    ro.submit(request('discard', 8, 1), completions.done);
    ro.submit(request('write-zeroes', 8, 1), completions.done);
    ro.submit(request('flush', 0, 0), completions.done);
    const back = new Uint8Array(SECTOR_SIZE);
    ro.submit(request('read', 8, 1, [segment(back)]), completions.done);
    e.sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(['ioerr', 'ioerr', 'ioerr', 'ok', 'ok']);
    expect(back).toEqual(original);
  });

  it('discard and write-zeroes zero exactly their range', () => {
    const { sched, backend, completions } = memoryBackend(1024);
    // 300 sectors = 150 KiB: spans whole and partial 64 KiB chunks of the memory store.
    const data = filled(300 * SECTOR_SIZE, 5);
    backend.submit(request('write', 0, 300, [segment(data)]), completions.done);
    backend.submit(request('discard', 10, 200), completions.done);
    backend.submit(request('write-zeroes', 250, 3), completions.done);
    const back = new Uint8Array(300 * SECTOR_SIZE);
    backend.submit(request('read', 0, 300, [segment(back)]), completions.done);
    sched.run();
    expect(completions.log.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const zeroed = (s: number) => (s >= 10 && s < 210) || (s >= 250 && s < 253);
    for (let s = 0; s < 300; s++) {
      const got = back.subarray(s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
      const want = zeroed(s) ? new Uint8Array(SECTOR_SIZE) : data.subarray(s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
      expect(got, `sector ${s}`).toEqual(want);
    }
    expect(backend.stats.sectorsDiscarded).toBe(200);
    expect(backend.stats.sectorsZeroed).toBe(3);
  });

  // virtio 1.2 §5.2.6: GET_ID answers 20 bytes of ASCII, NUL padded
  it('answers get-id with the serial NUL padded to 20 bytes, across segments', () => {
    const { sched, backend, completions } = memoryBackend(8, { serial: 'disk-A7' });
    const buf = new Uint8Array(32).fill(0xff);
    backend.submit(request('get-id', 0, 0, [segment(buf, 0, 5), segment(buf, 10, 22)]), completions.done);
    sched.run();
    expect(completions.at(0).status).toBe('ok');
    const answer = new Uint8Array(SERIAL_BYTES);
    answer.set(new TextEncoder().encode('disk-A7'));
    expect(buf.subarray(0, 5)).toEqual(answer.subarray(0, 5));
    expect(buf.subarray(5, 10)).toEqual(new Uint8Array(5).fill(0xff)); // gap between segments untouched
    expect(buf.subarray(10, 25)).toEqual(answer.subarray(5));
    expect(buf.subarray(25)).toEqual(new Uint8Array(7).fill(0xff)); // nothing past 20 bytes
    expect(backend.serial).toBe('disk-A7');
  });

  it('rejects serials longer than 20 bytes or not printable ASCII', () => {
    expect(() => memoryBackend(8, { serial: 'x'.repeat(21) })).toThrow(RangeError);
    expect(() => memoryBackend(8, { serial: 'naïve' })).toThrow(RangeError);
    expect(() => memoryBackend(8, { serial: 'x'.repeat(20) })).not.toThrow();
  });

  it('answers unknown operations with unsupported', () => {
    const { sched, backend, completions } = memoryBackend();
    const req = request('read', 0, 0);
    (req as { op: string }).op = 'secure-erase';
    backend.submit(req, completions.done);
    sched.run();
    expect(completions.at(0).status).toBe('unsupported');
    expect(backend.stats.unsupported).toBe(1);
  });

  it('allocates a multi-GiB memory device sparsely', () => {
    const capacitySectors = 16 * 1024 * 1024; // 8 GiB
    const store = new MemoryStore(capacitySectors);
    const e = env();
    const backend = createBlockBackend({ store, capacitySectors }, e.sched, e.meter, e.rng);
    const completions = new Completions(e.sched);
    const data = filled(SECTOR_SIZE, 9);
    backend.submit(request('write', capacitySectors - 1, 1, [segment(data)]), completions.done);
    const back = new Uint8Array(SECTOR_SIZE);
    backend.submit(request('read', capacitySectors - 1, 1, [segment(back)]), completions.done);
    e.sched.run();
    expect(back).toEqual(data);
    expect(store.allocatedChunks).toBe(1);
  });

  it('reuses discarded memory chunks and reads them back as zeros', () => {
    const store = new MemoryStore(1024);
    const chunk = 64 * 1024;
    store.writeBytes(0, filled(chunk, 1), 0, chunk);
    expect(store.allocatedChunks).toBe(1);
    store.zeroBytes(0, chunk);
    expect(store.allocatedChunks).toBe(0);
    store.writeBytes(chunk, filled(16, 2), 0, 16); // takes the spare chunk
    const back = new Uint8Array(chunk);
    store.readBytes(chunk, back, 0, chunk);
    expect(back.subarray(0, 16)).toEqual(filled(16, 2));
    expect(back.subarray(16).every((b) => b === 0)).toBe(true);
  });

  it('meters service time and counts per operation', () => {
    const { sched, meter, backend, completions } = memoryBackend();
    backend.submit(request('write', 0, 8, [segment(new Uint8Array(8 * SECTOR_SIZE))]), completions.done);
    backend.submit(request('read', 0, 8, [segment(new Uint8Array(8 * SECTOR_SIZE))]), completions.done);
    backend.submit(request('read', 9999, 1, [segment(new Uint8Array(SECTOR_SIZE))]), completions.done);
    sched.run();
    expect(backend.stats).toMatchObject({ requests: 3, sectorsWritten: 8, sectorsRead: 8, ioErrors: 1 });
    // Two serviced requests: positive device time; the failed one is not serviced.
    const serviced = completions.log.filter((c) => c.status === 'ok').reduce((sum, c) => sum + c.at, 0);
    expect(meter.counters.backendServiceNs).toBeGreaterThan(0);
    expect(meter.counters.backendServiceNs).toBe(serviced);
  });
});
