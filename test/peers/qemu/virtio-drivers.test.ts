/**
 * Our own virtio guest drivers, unchanged, against QEMU's virtio-blk-pci and virtio-rng-pci
 * (specs/virtio.md §11.2): the drivers only see the GuestPlatform contract, here realised
 * over qtest. Data written by our blk driver must land in QEMU's raw image byte for byte,
 * and data read back must match.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_KNOBS, type Knobs, parseCoalesce } from '../../../models/platform/knobs.js';
import { type ModelConfig, resolveOptions } from '../../../models/platform/model.js';
import type { BlockPort, BlockRequest, EntropyPort } from '../../../models/platform/ports.js';
import type { VirtioBlkDriver } from '../../../models/virtio/blk/index.js';
import { virtioModel } from '../../../models/virtio/index.js';
import { QtestPlatform } from './qtest-platform.js';
import { createRawImage, type RawImage } from './raw-image.js';

const IMAGE_BYTES = 1024 * 1024;
const PCI_IRQ = 11;

function config(knobs: Partial<Knobs>, options: Record<string, string>): ModelConfig {
  return { knobs: { ...DEFAULT_KNOBS, ...knobs }, options: resolveOptions(virtioModel, options) };
}

function bringUp<C extends 'block' | 'entropy'>(g: QtestPlatform, cls: C, cfg: ModelConfig) {
  let port: (C extends 'block' ? BlockPort : EntropyPort) | undefined;
  let error: Error | undefined;
  virtioModel.createGuest(
    cls,
    g,
    cfg,
    (p) => {
      port = p as typeof port;
    },
    (e) => {
      error = e;
    },
  );
  g.runUntil(() => port !== undefined || error !== undefined, 10_000);
  if (error !== undefined) throw error;
  return port as NonNullable<typeof port>;
}

function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 131 + i * 7 + (i >> 9)) & 0xff;
  return b;
}

function runRequest(g: QtestPlatform, port: BlockPort, req: BlockRequest): BlockRequest {
  let done = false;
  port.submit(req, () => {
    done = true;
  });
  g.runUntil(() => done, 10_000);
  return req;
}

const modes: { name: string; knobs: Partial<Knobs>; options: Record<string, string> }[] = [
  { name: 'MSI-X, EVENT_IDX, indirect', knobs: { coalesce: parseCoalesce('event-idx') }, options: { irq: 'msix' } },
  {
    name: 'INTx + ISR, flags mode, direct descriptors',
    knobs: { coalesce: parseCoalesce('none') },
    options: { irq: 'intx', indirect: 'off' },
  },
];

describe.each(modes)('virtio-blk driver against QEMU virtio-blk-pci ($name)', ({ knobs, options }) => {
  let g: QtestPlatform;
  let img: RawImage;
  let port: BlockPort;

  beforeAll(async () => {
    img = createRawImage(IMAGE_BYTES, (bytes) => bytes.set(pattern(99, bytes.length)));
    g = await QtestPlatform.launch({
      extraArgs: ['-drive', img.driveArg('d0'), '-device', 'virtio-blk-pci,drive=d0,disable-legacy=on,addr=2'],
    });
    g.routePciInterrupts(PCI_IRQ);
    port = bringUp(g, 'block', config(knobs, options));
  }, 60_000);

  afterAll(async () => {
    await g?.close();
    img?.remove();
  });

  it('reads capacity from config space (§5.2.4): 1 MiB = 2048 sectors', () => {
    expect(port.info.capacitySectors).toBe(IMAGE_BYTES / 512);
  });

  it('reads what the image holds (IN, §5.2.6)', () => {
    const addr = g.alloc.alloc(8 * 512, 4096);
    const req = runRequest(g, port, { op: 'read', sector: 16, sectors: 8, addr, status: 'ioerr', tag: 0 });
    expect(req.status).toBe('ok');
    const got = new Uint8Array(8 * 512);
    g.mem.load(addr, got.length, got);
    expect(got).toEqual(pattern(99, IMAGE_BYTES).subarray(16 * 512, 24 * 512));
  });

  it('writes land in QEMU’s raw image byte for byte after FLUSH (OUT, FLUSH, §5.2.6)', () => {
    const data = pattern(7, 16 * 512);
    const addr = g.alloc.alloc(data.length, 4096);
    g.mem.store(addr, data);
    expect(runRequest(g, port, { op: 'write', sector: 100, sectors: 16, addr, status: 'ioerr', tag: 1 }).status).toBe(
      'ok',
    );
    expect(runRequest(g, port, { op: 'flush', sector: 0, sectors: 0, addr: 0, status: 'ioerr', tag: 2 }).status).toBe(
      'ok',
    );
    const onDisk = readFileSync(img.path).subarray(100 * 512, 116 * 512);
    expect(Buffer.compare(onDisk, Buffer.from(data))).toBe(0);
    const back = g.alloc.alloc(data.length, 4096);
    expect(
      runRequest(g, port, { op: 'read', sector: 100, sectors: 16, addr: back, status: 'ioerr', tag: 3 }).status,
    ).toBe('ok');
    const got = new Uint8Array(data.length);
    g.mem.load(back, got.length, got);
    expect(got).toEqual(data);
  });

  it('keeps several requests in flight and completes each exactly once', () => {
    const n = 8;
    const reqs: BlockRequest[] = [];
    let completed = 0;
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const addr = g.alloc.alloc(4096, 4096);
      g.mem.store(addr, pattern(200 + i, 4096));
      reqs.push({ op: 'write', sector: 512 + 8 * i, sectors: 8, addr, status: 'ioerr', tag: i });
    }
    for (const r of reqs)
      port.submit(r, (done) => {
        completed++;
        seen.add(done.tag);
      });
    g.runUntil(() => completed === n, 10_000);
    expect(seen.size).toBe(n);
    expect(reqs.every((r) => r.status === 'ok')).toBe(true);
    runRequest(g, port, { op: 'flush', sector: 0, sectors: 0, addr: 0, status: 'ioerr', tag: 99 });
    const image = readFileSync(img.path);
    for (let i = 0; i < n; i++) {
      expect(
        Buffer.compare(image.subarray((512 + 8 * i) * 512, (520 + 8 * i) * 512), Buffer.from(pattern(200 + i, 4096))),
      ).toBe(0);
    }
  });

  it('D19 §2.1.1: resets and re-initialises in place — same rings, vectors and BARs — and QEMU serves it after', () => {
    const driver = port as VirtioBlkDriver;
    const freeBytes = g.alloc.freeBytes();
    const allocMsi = vi.spyOn(g.irq, 'allocMsi');
    for (let i = 0; i < 3; i++) driver.session.recover();
    expect(driver.session.recoveries).toBe(3);
    expect(g.alloc.freeBytes()).toBe(freeBytes);
    expect(allocMsi).not.toHaveBeenCalled();
    allocMsi.mockRestore();
    const addr = g.alloc.alloc(8 * 512, 4096);
    const req = runRequest(g, port, { op: 'read', sector: 16, sectors: 8, addr, status: 'ioerr', tag: 4 });
    expect(req.status).toBe('ok');
    const got = new Uint8Array(8 * 512);
    g.mem.load(addr, got.length, got);
    expect(got).toEqual(pattern(99, IMAGE_BYTES).subarray(16 * 512, 24 * 512));
  });

  it('GET_ID answers 20 bytes (§5.2.6)', () => {
    const addr = g.alloc.alloc(512, 16);
    const req = runRequest(g, port, { op: 'get-id', sector: 0, sectors: 0, addr, status: 'ioerr', tag: 5 });
    expect(req.status).toBe('ok');
  });

  it('a read past capacity fails with IOERR, as QEMU answers it ([Q7.2] §6.1)', () => {
    const addr = g.alloc.alloc(512, 512);
    const req = runRequest(g, port, { op: 'read', sector: IMAGE_BYTES / 512, sectors: 1, addr, status: 'ok', tag: 6 });
    expect(req.status).toBe('ioerr');
  });
});

describe('virtio-rng driver against QEMU virtio-rng-pci (§5.4)', () => {
  let g: QtestPlatform;
  let port: EntropyPort;

  beforeAll(async () => {
    // virtio-rng only serves requests while the VM runs (QEMU checks vm_running): run mode.
    g = await QtestPlatform.launch({
      running: true,
      extraArgs: ['-device', 'virtio-rng-pci,disable-legacy=on,addr=2'],
    });
    g.routePciInterrupts(PCI_IRQ);
    port = bringUp(g, 'entropy', config({ coalesce: parseCoalesce('event-idx') }, { irq: 'msix' }));
  }, 60_000);

  afterAll(async () => {
    await g?.close();
  });

  it('D24/V18 §5.4.6: each read returns between 1 and len bytes, taken from the used length', () => {
    const addr = g.alloc.alloc(64, 16);
    g.mem.fill(addr, 64, 0);
    let n = -1;
    port.read(addr, 64, (got) => {
      n = got;
    });
    g.runUntil(() => n >= 0, 10_000);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(64);
    const bytes = new Uint8Array(n);
    g.mem.load(addr, n, bytes);
    expect(bytes.some((b) => b !== 0)).toBe(true);
  });
});
