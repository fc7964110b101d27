/**
 * Transmit flow control (NetBackend `canTransmit` / `setTransmitReady`): while the backend is full the
 * device stops taking transmit chains and resumes on the backend's signal, so no frame is lost.
 */
import { describe, expect, it } from 'vitest';
import { createSimMachine } from '../../../harness/engine/sim/machine.js';
import { loadProfile } from '../../../harness/profiles/load.js';
import { runCell } from '../../../harness/runner/run-cell.js';
import type { ReferenceNetBackend } from '../../../models/backend/index.js';
import { DEFAULT_KNOBS, parseCoalesce } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { NetPort } from '../../../models/platform/ports.js';
import type { VirtioHostDevice } from '../../../models/virtio/device/host-device.js';
import type { VirtioNetDevice } from '../../../models/virtio/net/device.js';
import { netBinding } from '../../../models/virtio/net/index.js';
import { DEFAULT_OPTIONS, firstDifferentFrame, frameTo, GUEST_MAC, PEER_MAC } from './net-stack.js';
import { PacedNetBackend } from './paced-backend.js';

for (const coalesce of [{ kind: 'none' }, { kind: 'event-idx' }] as const) {
  it(`holds transmit chains while the backend is full and loses no frame (${coalesce.kind})`, () => {
    const m = createSimMachine({ memBytes: 32 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 2 });
    const config: ModelConfig = { knobs: { ...DEFAULT_KNOBS, iodepth: 64, coalesce }, options: DEFAULT_OPTIONS };
    const backend = new PacedNetBackend(m.host.actor('device'), 4, 5_000);
    const host = netBinding.createHost(m.host, backend, config) as VirtioHostDevice<VirtioNetDevice>;
    let port: NetPort | undefined;
    netBinding.createGuest(
      m.guest,
      config,
      (p) => (port = p),
      (e) => {
        throw e;
      },
    );
    m.run({ until: () => port !== undefined });
    const p = port as NetPort;
    const total = 300;
    const frames = Array.from({ length: total }, (_, i) => frameTo(PEER_MAC, GUEST_MAC, 200, i));
    const bufs = Array.from({ length: 64 }, () => m.guest.alloc.alloc(200, 64));
    let sent = 0;
    let done = 0;
    const next = (slot: number): void => {
      const f = frames[sent++] as Uint8Array;
      m.guest.mem.store(bufs[slot] as number, f, 0, f.length);
      p.send(bufs[slot] as number, f.length, () => {
        done++;
        if (sent < total) next(slot);
      });
    };
    for (let slot = 0; slot < 64; slot++) next(slot);
    m.run({ until: () => done === total, maxEvents: 1_000_000 });
    expect(done).toBe(total);
    expect(firstDifferentFrame(backend.delivered, frames)).toBe(-1);
    expect(backend.maxQueued).toBe(4);
    expect(host.logic.stats.txStalls).toBeGreaterThan(0);
    expect(host.transport.deviceStatus).toBe(0x0f);
  });
}

describe('the reference net backend pushes back through the whole stack (runCell)', () => {
  for (const coalesce of ['none', 'event-idx'] as const) {
    it(`stream at iodepth 32 (${coalesce}): the device waits for the up-link, every frame reaches the peer`, () => {
      let backend: ReferenceNetBackend | undefined;
      const ops = 20_000;
      const run = runCell(
        {
          model: 'virtio',
          device: 'net',
          workload: 'stream',
          params: { ops },
          knobs: { coalesce: parseCoalesce(coalesce), iodepth: 32, copy: 'zerocopy' },
          modelOptions: {},
          seed: 1,
          profile: 'modern-2020s',
          engine: 'sim',
        },
        {
          wrapBackend: (cls, b) => {
            if (cls === 'net') backend = b as ReferenceNetBackend;
            return b;
          },
        },
      );
      expect(run.reason).toBeUndefined();
      expect(run.status).toBe('ok');
      expect(run.metrics?.workload.framesAtPeer).toBe(ops);
      const stats = (backend as ReferenceNetBackend).stats;
      expect(stats.dropped).toBe(0);
      expect(stats.framesFromGuest).toBe(ops);
    });
  }
});
