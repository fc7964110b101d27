import { describe, expect, it } from 'vitest';
import { VirtqueueDriverError } from '../../../models/virtio/ring/errors.js';
import { VirtqBuilder } from '../../support/virtq-builder.js';
import { type Pair, pair, reapAll, serveAll, submit } from './fixture.js';

function builder(p: Pair): VirtqBuilder {
  return new VirtqBuilder(p.guest, p.size, p.areas);
}

/** Complete one popped chain and report whether the device would interrupt. */
function completeOne(p: Pair): boolean {
  expect(p.device.pop(p.chain)).toBe(true);
  p.device.pushUsed(p.chain.head, 0);
  return p.device.flushUsed();
}

describe('available-buffer notification suppression (virtio 1.2 §2.7.10)', () => {
  it('flags mode: no kick while used.flags has NO_NOTIFY, a kick once it is clear', () => {
    const p = pair({ size: 8 });
    submit(p, 0, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(true);
    expect(p.driver.kickNeeded()).toBe(false); // nothing new since that decision
    p.device.disableNotifications();
    expect(builder(p).usedFlags()).toBe(1);
    submit(p, 1, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(false);
    serveAll(p);
    expect(p.device.enableNotifications()).toBe(false);
    expect(builder(p).usedFlags()).toBe(0);
    submit(p, 2, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(true);
  });

  it('EVENT_IDX: kick iff needEvent(avail_event, new, old); the device sets avail_event = lastAvail on each pop', () => {
    const p = pair({ size: 8, eventIdx: true });
    const b = builder(p);
    submit(p, 0, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(true); // event 0 ∈ {0}
    submit(p, 1, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(false); // event 0 ∉ {1}: the device has not caught up
    p.device.pop(p.chain);
    expect(b.availEvent()).toBe(1);
    p.device.pop(p.chain);
    expect(b.availEvent()).toBe(2);
    for (const t of [2, 3]) submit(p, t, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(true); // one decision for the batch: event 2 ∈ {2, 3}
    for (const t of [4, 5]) submit(p, t, 1, 0);
    p.driver.publish();
    expect(p.driver.kickNeeded()).toBe(false); // event 2 ∉ {4, 5}
    // Under EVENT_IDX used.flags stays 0 whatever the device does (§2.7.10, V8).
    p.device.disableNotifications();
    expect(b.usedFlags()).toBe(0);
  });

  it('EVENT_IDX: enableNotifications points avail_event at the current avail.idx (QEMU) and reports pending work', () => {
    const p = pair({ size: 8, eventIdx: true });
    submit(p, 0, 1, 0);
    submit(p, 1, 1, 0);
    p.driver.publish();
    p.device.pop(p.chain);
    expect(p.device.enableNotifications()).toBe(true); // avail.idx 2 ≠ lastAvail 1
    expect(builder(p).availEvent()).toBe(2);
  });
});

describe('used-buffer notification suppression (virtio 1.2 §2.7.7)', () => {
  it('flags mode: no interrupt while avail.flags has NO_INTERRUPT, one when clear', () => {
    const p = pair({ size: 8 });
    for (let t = 0; t < 3; t++) submit(p, t, 1, 0);
    p.driver.publish();
    expect(completeOne(p)).toBe(true);
    p.driver.disableInterrupts();
    expect(builder(p).get(p.areas.avail, 2)).toBe(1);
    expect(completeOne(p)).toBe(false);
    expect(p.device.flushUsed()).toBe(false); // nothing new: nothing to signal
    expect(p.driver.enableInterrupts()).toBe(true); // two completions pending
    expect(builder(p).get(p.areas.avail, 2)).toBe(0);
    expect(reapAll(p.driver)).toEqual([0, 1]);
    expect(p.driver.enableInterrupts()).toBe(false);
    expect(completeOne(p)).toBe(true);
  });

  it('EVENT_IDX: first publish always signals; then iff used_event is crossed; avail.flags stays 0 (D14, V8)', () => {
    const p = pair({ size: 8, eventIdx: true });
    const b = builder(p);
    for (let t = 0; t < 6; t++) submit(p, t, 1, 0);
    p.driver.publish();
    b.usedEvent(0x8000); // far away, yet the first decision after reset signals (QEMU signalled_used_valid)
    expect(completeOne(p)).toBe(true);
    expect(completeOne(p)).toBe(false);
    expect(reapAll(p.driver)).toEqual([0, 1]);
    expect(p.driver.enableInterrupts()).toBe(false);
    expect(b.get(p.areas.avail + 4 + 2 * p.size, 2)).toBe(2); // used_event = lastUsed
    expect(completeOne(p)).toBe(true); // 2 ∈ {2}
    expect(completeOne(p)).toBe(false); // 2 ∉ {3}
    expect(reapAll(p.driver)).toEqual([2, 3]);
    p.driver.disableInterrupts();
    expect(b.get(p.areas.avail + 4 + 2 * p.size, 2)).toBe(3); // lastUsed − 1: the farthest point
    expect(completeOne(p)).toBe(false);
    expect(completeOne(p)).toBe(false);
    expect(b.get(p.areas.avail, 2)).toBe(0);
    expect(p.driver.enableInterrupts()).toBe(true);
  });

  it('enableInterruptsDelayed: interrupt after ¾ of the outstanding chains (Linux virtqueue_enable_cb_delayed)', () => {
    const p = pair({ size: 8, eventIdx: true });
    for (let t = 0; t < 8; t++) submit(p, t, 1, 0);
    p.driver.publish();
    expect(completeOne(p)).toBe(true); // first after reset
    expect(reapAll(p.driver)).toEqual([0]);
    // 7 outstanding → used_event = lastUsed + ⌊7·3/4⌋ = 1 + 5.
    expect(p.driver.enableInterruptsDelayed()).toBe(false);
    expect(builder(p).get(p.areas.avail + 4 + 2 * p.size, 2)).toBe(6);
    const signalled: boolean[] = [];
    for (let i = 0; i < 7; i++) signalled.push(completeOne(p));
    expect(signalled).toEqual([false, false, false, false, false, true, false]);
  });

  it('enableInterruptsDelayed reports when more than ¾ already completed', () => {
    const p = pair({ size: 8, eventIdx: true });
    for (let t = 0; t < 4; t++) submit(p, t, 1, 0);
    p.driver.publish();
    serveAll(p);
    p.device.flushUsed();
    expect(p.driver.enableInterruptsDelayed()).toBe(true); // 4 done > ⌊4·3/4⌋ = 3
  });

  it('setUsedEvent(lastUsed + n − 1): one interrupt per n completions (count coalescing)', () => {
    const p = pair({ size: 8, eventIdx: true });
    for (let t = 0; t < 8; t++) submit(p, t, 1, 0);
    p.driver.publish();
    expect(completeOne(p)).toBe(true);
    reapAll(p.driver);
    const n = 3;
    const pattern: boolean[] = [];
    for (let round = 0; round < 2; round++) {
      expect(p.driver.setUsedEvent(p.driver.lastUsed + n - 1)).toBe(false);
      for (let i = 0; i < n; i++) pattern.push(completeOne(p));
      reapAll(p.driver);
    }
    expect(pattern).toEqual([false, false, true, false, false, true]);
    // Already crossed: the caller is told to drain.
    completeOne(p);
    expect(p.driver.setUsedEvent(p.driver.lastUsed)).toBe(true);
  });

  it('setUsedEvent without EVENT_IDX is refused', () => {
    const p = pair({ size: 8 });
    expect(() => p.driver.setUsedEvent(1)).toThrow(VirtqueueDriverError);
  });
});

/**
 * D15 / §2.7.14: a side that re-enables notifications must re-check the peer's index, or a buffer the
 * peer published while notifications looked disabled is never noticed. The peer acts at every point of
 * the handler in turn, including inside the ring calls (at their ordering points, through the hook).
 */
describe('re-check after re-enable under adversarial interleavings (D15, virtio 1.2 §2.7.14)', () => {
  interface Outcome {
    readonly delivered: boolean;
    readonly ticks: number;
  }

  /** Driver side: interrupt handler = disable, drain, re-enable, loop while the re-check says so. */
  function interruptScenario(eventIdx: boolean, position: number, recheck: boolean): Outcome {
    const p = pair({ size: 8, eventIdx });
    const headA = submit(p, 0, 1, 0);
    const headB = submit(p, 1, 1, 0);
    p.driver.publish();
    serveAllHeld(p);
    let tick = 0;
    let irq = false;
    let completed = false;
    const completeB = () => {
      completed = true;
      p.device.pushUsed(headB, 0);
      if (p.device.flushUsed()) irq = true;
    };
    const step = () => {
      if (tick++ === position && !completed) completeB();
    };
    p.driver.setBarrierHook(step);
    p.device.pushUsed(headA, 0);
    irq = p.device.flushUsed();
    const received: number[] = [];
    const handler = () => {
      for (;;) {
        p.driver.disableInterrupts();
        step();
        for (let t = p.driver.getUsed(); t !== -1; t = p.driver.getUsed()) {
          step();
          received.push(t);
        }
        step();
        const more = p.driver.enableInterrupts();
        step();
        if (!(recheck && more)) return;
      }
    };
    const runInterrupts = () => {
      while (irq) {
        irq = false;
        handler();
      }
    };
    runInterrupts();
    if (!completed) {
      completeB(); // the driver is asleep with interrupts enabled
      runInterrupts();
    }
    return { delivered: received.includes(1) && received.includes(0), ticks: tick };
  }

  /** Device side: kick handler = disable kicks, pop until empty, re-enable, loop while the re-check says so. */
  function kickScenario(eventIdx: boolean, position: number, recheck: boolean): Outcome {
    const p = pair({ size: 8, eventIdx });
    let tick = 0;
    let kick = false;
    let published = false;
    const publishB = () => {
      published = true;
      submit(p, 1, 1, 0);
      p.driver.publish();
      if (p.driver.kickNeeded()) kick = true;
    };
    const step = () => {
      if (tick++ === position && !published) publishB();
    };
    p.device.setBarrierHook(step);
    submit(p, 0, 1, 0);
    p.driver.publish();
    kick = p.driver.kickNeeded();
    const popped: number[] = [];
    const handler = () => {
      for (;;) {
        p.device.disableNotifications();
        step();
        while (p.device.pop(p.chain)) {
          step();
          popped.push(p.chain.head);
          p.device.pushUsed(p.chain.head, 0);
        }
        step();
        const more = p.device.enableNotifications();
        step();
        if (!(recheck && more)) return;
      }
    };
    const runKicks = () => {
      while (kick) {
        kick = false;
        handler();
      }
    };
    runKicks();
    if (!published) {
      publishB(); // the device is idle with kicks enabled
      runKicks();
    }
    return { delivered: popped.length === 2, ticks: tick };
  }

  function sweep(scenario: (position: number, recheck: boolean) => Outcome): { lost: number[]; mutantLost: number[] } {
    const ticks = scenario(Number.POSITIVE_INFINITY, true).ticks;
    expect(ticks).toBeGreaterThan(4);
    const lost: number[] = [];
    const mutantLost: number[] = [];
    for (let position = 0; position <= ticks; position++) {
      if (!scenario(position, true).delivered) lost.push(position);
      if (!scenario(position, false).delivered) mutantLost.push(position);
    }
    return { lost, mutantLost };
  }

  for (const eventIdx of [false, true]) {
    const mode = eventIdx ? 'EVENT_IDX' : 'flags';
    it(`${mode}: the driver never loses a completion; without the re-check it would`, () => {
      const { lost, mutantLost } = sweep((pos, recheck) => interruptScenario(eventIdx, pos, recheck));
      expect(lost).toEqual([]);
      expect(mutantLost.length).toBeGreaterThan(0);
    });

    it(`${mode}: the device never misses available buffers (QEMU virtio-blk loop)`, () => {
      const { lost, mutantLost } = sweep((pos, recheck) => kickScenario(eventIdx, pos, recheck));
      expect(lost).toEqual([]);
      // Flags mode depends on the re-check; under EVENT_IDX avail_event = lastAvail already forces the kick.
      if (!eventIdx) expect(mutantLost.length).toBeGreaterThan(0);
    });
  }
});

/** Pop everything available and hold it in flight (not pushed). */
function serveAllHeld(p: Pair): void {
  while (p.device.pop(p.chain)) {
    // held: the scenario pushes them itself
  }
}
