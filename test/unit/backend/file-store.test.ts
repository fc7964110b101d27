import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlockBackend, type FileIo, FileStore } from '../../../models/backend/index.js';
import { SECTOR_SIZE } from '../../../models/platform/ports.js';
import { Completions, env, filled, request, segment } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-filestore-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The real node:fs calls, with fsync counted. */
function countingIo(): { io: FileIo; fsyncs: number[] } {
  const fsyncs: number[] = [];
  const io: FileIo = {
    openSync: fs.openSync,
    closeSync: fs.closeSync,
    readSync: fs.readSync,
    writeSync: fs.writeSync,
    fstatSync: fs.fstatSync,
    ftruncateSync: fs.ftruncateSync,
    fsyncSync: (fd: number) => {
      fsyncs.push(fd);
      fs.fsyncSync(fd);
    },
  };
  return { io, fsyncs };
}

describe('file-backed block store', () => {
  it('creates a sparse raw image of the full capacity', () => {
    const file = path.join(dir, 'disk.img');
    const store = new FileStore(file, 2048, { create: true });
    store.close();
    expect(fs.statSync(file).size).toBe(2048 * SECTOR_SIZE);
  });

  it('keeps data across close and reopen, at raw sector offsets', () => {
    const file = path.join(dir, 'disk.img');
    const data = filled(4 * SECTOR_SIZE, 21);
    {
      const e = env();
      const b = createBlockBackend({ store: { file, create: true }, capacitySectors: 256 }, e.sched, e.meter, e.rng);
      const c = new Completions(e.sched);
      b.submit(request('write', 100, 4, [segment(data)]), c.done);
      b.submit(request('flush', 0, 0), c.done);
      e.sched.run();
      expect(c.log.map((x) => x.status)).toEqual(['ok', 'ok']);
      b.close();
    }
    // Raw layout: sector n at byte n × 512.
    const raw = fs.readFileSync(file);
    expect(new Uint8Array(raw.subarray(100 * SECTOR_SIZE, 104 * SECTOR_SIZE))).toEqual(data);
    {
      const e = env();
      const b = createBlockBackend({ store: { file }, capacitySectors: 256 }, e.sched, e.meter, e.rng);
      const c = new Completions(e.sched);
      const back = new Uint8Array(6 * SECTOR_SIZE).fill(1);
      b.submit(request('read', 99, 6, [segment(back)]), c.done);
      e.sched.run();
      expect(c.at(0).status).toBe('ok');
      expect(back.subarray(0, SECTOR_SIZE).every((x) => x === 0)).toBe(true);
      expect(back.subarray(SECTOR_SIZE, 5 * SECTOR_SIZE)).toEqual(data);
      expect(back.subarray(5 * SECTOR_SIZE).every((x) => x === 0)).toBe(true);
      b.close();
    }
  });

  it('calls fsync on flush and not otherwise', () => {
    const file = path.join(dir, 'disk.img');
    const { io, fsyncs } = countingIo();
    const e = env();
    const b = createBlockBackend(
      { store: { file, create: true }, capacitySectors: 64, fileIo: io },
      e.sched,
      e.meter,
      e.rng,
    );
    const c = new Completions(e.sched);
    b.submit(request('write', 0, 1, [segment(filled(SECTOR_SIZE, 1))]), c.done);
    e.sched.run();
    expect(fsyncs).toHaveLength(0);
    b.submit(request('flush', 0, 0), c.done);
    e.sched.run();
    expect(fsyncs).toHaveLength(1);
    b.close();
  });

  it('turns a failing store (full disk, closed image) into ioerr instead of throwing', () => {
    const file = path.join(dir, 'disk.img');
    const { io } = countingIo();
    const full: FileIo = {
      ...io,
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const e = env();
    const b = createBlockBackend(
      { store: { file, create: true }, capacitySectors: 8, fileIo: full },
      e.sched,
      e.meter,
      e.rng,
    );
    const c = new Completions(e.sched);
    b.submit(request('write', 0, 1, [segment(filled(SECTOR_SIZE, 1))]), c.done);
    b.close();
    b.submit(request('flush', 0, 0), c.done);
    e.sched.run();
    expect(c.log.map((x) => x.status)).toEqual(['ioerr', 'ioerr']);
    expect(b.stats.storeErrors).toBe(2);
    expect(String(b.lastStoreError)).toMatch(/closed/);
  });

  it('reads past the end of a short image as zeros', () => {
    const file = path.join(dir, 'short.img');
    const head = filled(SECTOR_SIZE + 100, 4);
    fs.writeFileSync(file, head); // 1.2 sectors on disk, 16 sectors of capacity
    const store = new FileStore(file, 16);
    const back = new Uint8Array(3 * SECTOR_SIZE).fill(9);
    store.readBytes(0, back, 0, back.length);
    expect(back.subarray(0, head.length)).toEqual(head);
    expect(back.subarray(head.length).every((x) => x === 0)).toBe(true);
    store.close();
  });

  it('zeroes a range with write-zeroes', () => {
    const file = path.join(dir, 'disk.img');
    const store = new FileStore(file, 512, { create: true });
    store.writeBytes(0, filled(200 * SECTOR_SIZE, 8), 0, 200 * SECTOR_SIZE);
    store.zeroBytes(SECTOR_SIZE, 150 * SECTOR_SIZE); // more than one zero chunk
    const back = new Uint8Array(200 * SECTOR_SIZE);
    store.readBytes(0, back, 0, back.length);
    expect(back.subarray(0, SECTOR_SIZE)).toEqual(filled(200 * SECTOR_SIZE, 8).subarray(0, SECTOR_SIZE));
    expect(back.subarray(SECTOR_SIZE, 151 * SECTOR_SIZE).every((x) => x === 0)).toBe(true);
    expect(back.subarray(151 * SECTOR_SIZE)).toEqual(filled(200 * SECTOR_SIZE, 8).subarray(151 * SECTOR_SIZE));
    store.close();
  });

  it('refuses a missing image without create, and opens read-only images read-only', () => {
    const file = path.join(dir, 'none.img');
    expect(() => new FileStore(file, 8)).toThrow(/ENOENT/);
    fs.writeFileSync(file, new Uint8Array(8 * SECTOR_SIZE));
    const e = env();
    const b = createBlockBackend({ store: { file }, capacitySectors: 8, readOnly: true }, e.sched, e.meter, e.rng);
    const c = new Completions(e.sched);
    b.submit(request('write', 0, 1, [segment(filled(SECTOR_SIZE, 3))]), c.done);
    e.sched.run();
    expect(c.at(0).status).toBe('ioerr');
    expect(fs.readFileSync(file).every((x) => x === 0)).toBe(true);
    b.close();
  });

  it('fails operations after close instead of touching a stale descriptor', () => {
    const store = new FileStore(path.join(dir, 'disk.img'), 8, { create: true });
    store.close();
    expect(() => store.flush()).toThrow(/closed/);
  });
});
