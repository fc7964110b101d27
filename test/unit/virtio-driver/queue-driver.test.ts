/**
 * QueueDriver + KickBatch (the guest-side service loop every virtio driver uses) against a bare
 * device ring in guest memory, with the ring's ordering-point hook playing an adversarial device.
 */
import { describe, expect, it } from 'vitest';
import type { Coalesce } from '../../../models/platform/knobs.js';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { KickBatch } from '../../../models/virtio/driver/kick-batch.js';
import { QueueDriver } from '../../../models/virtio/driver/queue-driver.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';
import { layoutRing } from '../../support/virtq-builder.js';

const QS = 8;

function setup(coalesce: Coalesce, resubmit = false, countBound?: number) {
  const meter = new Meter();
  const mem = new SabGuestMemory(SabGuestMemory.allocate(1 << 20), meter, 'guest');
  const areas = layoutRing(0x10000, QS);
  const eventIdx = coalesce.kind === 'event-idx' || coalesce.kind === 'count';
  const driverRing = new DriverRing(mem, QS, areas, { eventIdx, indirect: false });
  const deviceRing = new DeviceRing(mem, QS, areas, { eventIdx, indirect: false });
  const kicks: number[] = [];
  const doorbell = { kick: (q: number) => kicks.push(q) };
  const completed: number[] = [];
  const batch = new KickBatch();
  const queue = new QueueDriver({
    index: 0,
    meter,
    mechanism: 'doorbell',
    coalesce,
    batch,
    ...(countBound === undefined ? {} : { countBound }),
  });
  queue.attach(doorbell, driverRing);
  const onUsed = (token: number, len: number): void => {
    completed.push(token * 1000 + len);
    // A workload's closed loop: resubmit from the completion callback.
    if (resubmit && token < 10) submit(token + 10);
  };
  /** The interrupt handler: drain inside a batch, as DriverSession does. */
  const interrupt = (): void => {
    batch.enter();
    try {
      queue.drain(onUsed);
    } finally {
      batch.leave();
    }
  };
  const chain = new DescriptorChain(QS);
  const submit = (token: number): void => {
    driverRing.begin();
    driverRing.addWritable(0x20000 + token * 64, 64);
    expect(driverRing.commit(token)).toBeGreaterThanOrEqual(0);
    queue.submitted();
  };
  /** The device completes its next popped chain with used len 7 and publishes; returns "interrupt?". */
  const deviceComplete = (): boolean => {
    expect(deviceRing.pop(chain)).toBe(true);
    deviceRing.pushUsed(chain.head, 7);
    return deviceRing.flushUsed();
  };
  return { meter, driverRing, deviceRing, batch, kicks, completed, submit, interrupt, deviceComplete };
}

describe('QueueDriver', () => {
  it('kicks once per submission outside a batch and meters it as a doorbell', () => {
    const t = setup({ kind: 'none' });
    t.submit(1);
    expect(t.kicks).toEqual([0]);
    expect(t.meter.counters.notifications).toBe(1);
  });

  it('defers publish and the kick decision to the end of a batch: k submissions, one kick', () => {
    const t = setup({ kind: 'none' });
    t.batch.enter();
    t.submit(1);
    t.submit(2);
    t.submit(3);
    expect(t.kicks).toEqual([]);
    expect(t.driverRing.availIdx).toBe(3);
    t.batch.leave();
    expect(t.kicks).toEqual([0]);
    expect(t.meter.counters.notifications).toBe(1);
  });

  it('D14 §2.7.10: no kick while the device has NO_NOTIFY set; the suppressed kick is metered', () => {
    const t = setup({ kind: 'none' });
    t.deviceRing.disableNotifications();
    t.submit(1);
    expect(t.kicks).toEqual([]);
    expect(t.meter.counters.notificationsSuppressed).toBe(1);
  });

  it('resubmissions from completion callbacks go out with one kick at the end of the drain', () => {
    const t = setup({ kind: 'event-idx' }, true);
    t.submit(1);
    t.submit(2);
    t.deviceComplete();
    t.deviceComplete();
    const kicksBefore = t.kicks.length;
    t.interrupt();
    expect(t.completed).toEqual([1007, 2007]);
    expect(t.driverRing.inFlight).toBe(2);
    expect(t.kicks.length - kicksBefore).toBe(1);
  });

  for (const coalesce of [{ kind: 'event-idx' }, { kind: 'count', n: 4 }] as const) {
    it(`D15 §2.7.14 (${coalesce.kind}): a completion published after the last empty poll is not stranded`, () => {
      const t = setup(coalesce);
      t.submit(1);
      t.submit(2);
      expect(t.deviceComplete()).toBe(true); // first completion after reset always signals
      let gReads = 0;
      let signalled: boolean | undefined;
      t.driverRing.setBarrierHook((point) => {
        // The drain's 2nd used.idx read is the one that comes back empty: the device publishes right
        // after it, while the driver still has interrupts disabled.
        if (point === 'G' && ++gReads === 2) signalled = t.deviceComplete();
      });
      t.interrupt();
      expect(signalled).toBe(false); // the device saw interrupts disabled: no interrupt will come…
      expect(t.completed).toEqual([1007, 2007]); // …so the re-check after re-enabling must find it
    });
  }

  it('D16 §2.7.7: a spurious interrupt (nothing used) changes nothing', () => {
    const t = setup({ kind: 'event-idx' });
    t.submit(1);
    t.interrupt();
    expect(t.completed).toEqual([]);
    expect(t.driverRing.inFlight).toBe(1);
  });

  it('count:N arms used_event N − 1 past the last reclaimed entry (capped by what is in flight)', () => {
    const t = setup({ kind: 'count', n: 3 });
    for (let i = 1; i <= 6; i++) t.submit(i);
    expect(t.deviceComplete()).toBe(true);
    t.interrupt(); // reclaims 1; 5 in flight → interrupt after 3 more
    expect(t.deviceComplete()).toBe(false);
    expect(t.deviceComplete()).toBe(false);
    expect(t.deviceComplete()).toBe(true);
    t.interrupt(); // reclaims 3; 2 in flight → interrupt after 2 more
    expect(t.deviceComplete()).toBe(false);
    expect(t.deviceComplete()).toBe(true);
  });

  it('count:N with a countBound (received frames: the workload depth) waits for min(N, bound) completions', () => {
    const t = setup({ kind: 'count', n: 4 }, false, 2);
    for (let i = 1; i <= 6; i++) t.submit(i);
    expect(t.deviceComplete()).toBe(true);
    t.interrupt(); // 5 in flight, but the bound says at most 2 more will come
    expect(t.deviceComplete()).toBe(false);
    expect(t.deviceComplete()).toBe(true);
  });

  it('D15 §2.7.14: a drain in flags mode leaves interrupts enabled (NO_INTERRUPT never set)', () => {
    const t = setup({ kind: 'none' });
    t.submit(1);
    t.submit(2);
    expect(t.deviceComplete()).toBe(true);
    t.interrupt();
    expect(t.driverRing.interruptSuppression).toBe('enabled');
    expect(t.deviceComplete()).toBe(true);
  });
});
