/**
 * The IDE guest driver (models/emulated/ide/driver.ts, driver-setup.ts) against our device model:
 * bring-up through the registers, every transfer mode end to end with the data checked in the
 * backend store, LBA48 above 2^28, 256-sector requests (count 0 and PRDs split at 64 KiB), errors
 * surfacing as request status, and the BlockPort contract (maxInflight 1, deferred completions).
 */
import { describe, expect, it } from 'vitest';
import { createSimMachine } from '../../../harness/engine/sim/machine.js';
import { loadProfile } from '../../../harness/profiles/load.js';
import type { IdeMode } from '../../../models/emulated/binding.js';
import { IdeProbeError, ideBinding } from '../../../models/emulated/ide/index.js';
import type { BackendBlockRequest, BlockBackend } from '../../../models/platform/backend-api.js';
import type { BlockPort, BlockRequest } from '../../../models/platform/ports.js';
import { bringUp, coalesce, ideConfig, makeIdeStack, pattern, runRequest } from './ide-stack.js';

const MODES: readonly IdeMode[] = ['pio-word', 'pio-string', 'pio-multiple', 'dma'];

function request(op: BlockRequest['op'], sector: number, sectors: number, addr: number): BlockRequest {
  return { op, sector, sectors, addr, status: 'ioerr', tag: 0 };
}

/** Fails every request touching `badSector` (an EIO from the medium). */
class FailingBackend implements BlockBackend {
  constructor(
    private readonly inner: BlockBackend,
    private readonly badSector: number,
  ) {}
  get capacitySectors(): number {
    return this.inner.capacitySectors;
  }
  get readOnly(): boolean {
    return this.inner.readOnly;
  }
  get serial(): string {
    return this.inner.serial;
  }
  submit(req: BackendBlockRequest, done: (req: BackendBlockRequest) => void): void {
    const hit = req.sectors > 0 && req.sector <= this.badSector && this.badSector < req.sector + req.sectors;
    this.inner.submit(req, (r) => {
      if (hit) r.status = 'ioerr';
      done(r);
    });
  }
}

describe.each(MODES)('IDE driver, %s', (mode) => {
  it('writes and reads back 8 sectors; the bytes are in the backend store', () => {
    const s = makeIdeStack({ config: ideConfig(mode) });
    const port = bringUp(s, ideConfig(mode));
    expect(port.info).toMatchObject({ capacitySectors: 2048, maxInflight: 1, maxSectorsPerRequest: 256 });
    const data = pattern(5, 8 * 512);
    const addr = s.m.guest.alloc.alloc(data.length, 4096);
    s.m.guest.mem.store(addr, data);
    expect(runRequest(s, port, request('write', 10, 8, addr)).status).toBe('ok');
    const stored = new Uint8Array(data.length);
    s.reference.store.readBytes(10 * 512, stored, 0, stored.length);
    expect(stored).toEqual(data);
    const back = s.m.guest.alloc.alloc(data.length, 4096);
    expect(runRequest(s, port, request('read', 10, 8, back)).status).toBe('ok');
    const got = new Uint8Array(data.length);
    s.m.guest.mem.load(back, got.length, got);
    expect(got).toEqual(data);
  });

  it('256-sector requests (count byte 0) from a buffer not aligned to 64 KiB', () => {
    const s = makeIdeStack({ config: ideConfig(mode), capacitySectors: 4096 });
    const port = bringUp(s, ideConfig(mode));
    const data = pattern(9, 256 * 512);
    const addr = s.m.guest.alloc.alloc(data.length + 0x10000, 0x10000) + 0x8000;
    s.m.guest.mem.store(addr, data);
    expect(runRequest(s, port, request('write', 1000, 256, addr)).status).toBe('ok');
    const back = s.m.guest.alloc.alloc(data.length, 4096);
    expect(runRequest(s, port, request('read', 1000, 256, back)).status).toBe('ok');
    const got = new Uint8Array(data.length);
    s.m.guest.mem.load(back, got.length, got);
    expect(Buffer.compare(got, data)).toBe(0);
  });

  it('LBA48 commands above 2^28 sectors (sparse disk), HOB bytes programmed exactly', () => {
    const capacity = 2 ** 28 + 4096;
    const s = makeIdeStack({ config: ideConfig(mode), capacitySectors: capacity });
    const port = bringUp(s, ideConfig(mode));
    expect(port.info.capacitySectors).toBe(capacity);
    const sector = 2 ** 28 + 100;
    const data = pattern(3, 4 * 512);
    const addr = s.m.guest.alloc.alloc(data.length, 4096);
    s.m.guest.mem.store(addr, data);
    expect(runRequest(s, port, request('write', sector, 4, addr)).status).toBe('ok');
    expect(s.controller.drive.regs.lba48).toBe(true);
    const stored = new Uint8Array(data.length);
    s.reference.store.readBytes(sector * 512, stored, 0, stored.length);
    expect(stored).toEqual(data);
  });

  it('a medium error surfaces as ioerr (ABRT from the device), and the next request works', () => {
    const s = makeIdeStack({ config: ideConfig(mode), wrap: (b) => new FailingBackend(b, 40) });
    const port = bringUp(s, ideConfig(mode));
    const addr = s.m.guest.alloc.alloc(8 * 512, 4096);
    expect(runRequest(s, port, request('read', 36, 8, addr)).status).toBe('ioerr');
    expect(runRequest(s, port, request('write', 36, 8, addr)).status).toBe('ioerr');
    expect(runRequest(s, port, request('read', 100, 8, addr)).status).toBe('ok');
  });
});

describe('IDE driver: port contract and bring-up', () => {
  it('flush is FLUSH CACHE EXT through the backend; discard is unsupported, completed later on the vCPU', () => {
    const s = makeIdeStack({ config: ideConfig('pio-string') });
    const port = bringUp(s, ideConfig('pio-string'));
    expect(runRequest(s, port, request('flush', 0, 0, 0)).status).toBe('ok');
    expect(s.reference.stats.flushes).toBe(1);
    let done = false;
    const req = request('discard', 0, 8, 0);
    s.m.guest.sched.after(0, () => {
      port.submit(req, () => {
        done = true;
      });
      expect(done).toBe(false);
    });
    s.m.run({ until: () => done });
    expect(req.status).toBe('unsupported');
  });

  it('requests past the end, too large, or with a buffer outside RAM fail without a device access', () => {
    const s = makeIdeStack({ config: ideConfig('dma') });
    const port = bringUp(s, ideConfig('dma'));
    const before = s.controller.drive.stats.commands;
    for (const req of [
      request('read', 2048, 1, 0x200000),
      request('read', 2047, 2, 0x200000),
      request('write', 0, 257, 0x200000),
      request('read', 0, 0, 0x200000),
      request('read', 0, 8, 16 * 1024 * 1024 - 512),
    ]) {
      expect(runRequest(s, port, req).status).toBe('ioerr');
    }
    expect(s.controller.drive.stats.commands).toBe(before);
  });

  it('a second request while one is in flight is a caller error', () => {
    const s = makeIdeStack({ config: ideConfig('pio-string') });
    const port = bringUp(s, ideConfig('pio-string'));
    const addr = s.m.guest.alloc.alloc(512, 4096);
    let thrown: unknown;
    s.m.guest.sched.after(0, () => {
      port.submit(request('read', 0, 1, addr), () => {});
      try {
        port.submit(request('read', 1, 1, addr), () => {});
      } catch (e) {
        thrown = e;
      }
    });
    s.m.run();
    expect(String(thrown)).toMatch(/maxInflight is 1/);
  });

  it('coalesce count:N programs SET MULTIPLE N at bring-up', () => {
    for (const n of [1, 2, 4, 8, 16]) {
      const config = ideConfig('pio-multiple', { coalesce: coalesce(`count:${n}`) });
      const s = makeIdeStack({ config });
      bringUp(s, config);
      expect(s.controller.drive.multipleSectors).toBe(n);
    }
  });

  it('no IDE function on the bus: bring-up fails with IdeProbeError, nothing hangs', () => {
    const m = createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 1 });
    let error: Error | undefined;
    let port: BlockPort | undefined;
    ideBinding.createGuest(
      m.guest,
      ideConfig('pio-string'),
      (p) => {
        port = p;
      },
      (e) => {
        error = e;
      },
    );
    m.run();
    expect(port).toBeUndefined();
    expect(error).toBeInstanceOf(IdeProbeError);
    expect(error?.message).toMatch(/no PIIX3 IDE function/);
  });

  it('an unsupported knob fails the bring-up with the support() reason', () => {
    const s = makeIdeStack();
    let error: Error | undefined;
    ideBinding.createGuest(
      s.m.guest,
      ideConfig('pio-word', { copy: 'zerocopy' }),
      () => {},
      (e) => {
        error = e;
      },
    );
    s.m.run();
    expect(error?.message).toMatch(/--copy copy/);
  });
});
