/**
 * Transmit flow control: with a backend that can say "full" (the proposed NetBackend extension), the
 * device stops taking transmit chains and resumes on the backend's signal, so no frame is lost.
 */
import { expect, it } from 'vitest';
import { createSimMachine } from '../../../harness/engine/sim/machine.js';
import { loadProfile } from '../../../harness/profiles/load.js';
import { DEFAULT_KNOBS } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { NetPort } from '../../../models/platform/ports.js';
import type { VirtioNetDevice } from '../../../models/virtio/net/device.js';
import type { VirtioHostDevice } from '../../../models/virtio/net/host-device.js';
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
