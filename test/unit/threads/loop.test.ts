/**
 * The threads engine's event loop on one thread: callbacks in due order, cancellation, the
 * attention word between callbacks, and idle waits that end on a signal or at the next timer.
 */
import { describe, expect, it } from 'vitest';
import { Activity, ThreadLink, Word } from '../../../harness/engine/threads/link.js';
import { type LoopSide, ThreadLoop } from '../../../harness/engine/threads/loop.js';
import { NOTIFY_MODES, type NotifyMode } from '../../../harness/engine/threads/notify.js';
import { Meter } from '../../../models/platform/meter.js';

const WORDS = {
  attention: Word.hostAttention,
  sleeping: Word.hostSleeping,
  progress: Word.hostProgress,
  activity: Word.hostActivity,
} as const;

function rig(mode: NotifyMode = 'hybrid') {
  const link = ThreadLink.allocate();
  const meter = new Meter();
  const loop = new ThreadLoop(link, WORDS, { mode, spinNs: 1000 }, meter, 'device');
  return { link, meter, loop };
}

/** A side that is finished once `done()` says so, counting attention callbacks. */
function sideUntil(done: () => boolean, onAttention: () => void = () => {}): LoopSide & { attentions: number } {
  const side = {
    attentions: 0,
    onAttention() {
      side.attentions++;
      onAttention();
    },
    get finished() {
      return done();
    },
  };
  return side;
}

describe('ThreadLoop', () => {
  it('runs after(0) callbacks in posting order and a timer when it is due, across actors', () => {
    const { loop } = rig();
    const order: string[] = [];
    const device = loop.scheduler('device');
    const backend = loop.scheduler('backend');
    device.after(5_000_000, () => order.push('timer'));
    device.after(0, () => order.push('a'));
    backend.after(0, () => {
      order.push('b');
      device.after(0, () => order.push('c'));
    });
    loop.run(sideUntil(() => order.length === 4));
    expect(order).toEqual(['a', 'b', 'c', 'timer']);
    expect(loop.eventsRun).toBe(4);
  });

  it('the same actor name gives the same scheduler; names label schedulers only', () => {
    const { loop } = rig();
    expect(loop.scheduler('device')).toBe(loop.scheduler('device'));
    expect(loop.scheduler('backend').actor).toBe('backend');
  });

  it('a cancelled callback never runs', () => {
    const { loop } = rig();
    const s = loop.scheduler('device');
    const ran: string[] = [];
    const id = s.after(0, () => ran.push('cancelled'));
    s.after(0, () => ran.push('kept'));
    s.cancel(id);
    s.after(1_000, () => ran.push('last'));
    loop.run(sideUntil(() => ran.includes('last')));
    expect(ran).toEqual(['kept', 'last']);
  });

  it('rejects negative and non-finite delays', () => {
    const { loop } = rig();
    const s = loop.scheduler('device');
    expect(() => s.after(-1, () => {})).toThrow(RangeError);
    expect(() => s.after(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
  });

  it('looks at the attention word between callbacks and hands it to the side', () => {
    const { link, loop } = rig();
    const s = loop.scheduler('device');
    const seen: string[] = [];
    let finished = false;
    s.after(0, () => {
      seen.push('first');
      Atomics.add(link.ctl, Word.hostAttention, 1); // a peer posts something
    });
    s.after(0, () => seen.push('second'));
    const side = sideUntil(
      () => finished,
      () => {
        seen.push('attention');
        finished = seen.includes('second');
      },
    );
    s.after(1_000, () => {
      Atomics.add(link.ctl, Word.hostAttention, 1);
    });
    loop.run(side);
    expect(seen).toEqual(['first', 'attention', 'second', 'attention']);
    expect(Atomics.load(link.ctl, Word.hostProgress)).toBeGreaterThan(0);
    expect(link.ctl[Word.hostActivity]).toBe(Activity.working);
  });

  for (const mode of NOTIFY_MODES) {
    it(`${mode}: an idle loop wakes for its next timer without any signal`, () => {
      const { loop, meter } = rig(mode);
      let fired = false;
      loop.scheduler('device').after(200_000, () => {
        fired = true;
      });
      loop.run(sideUntil(() => fired));
      expect(fired).toBe(true);
      expect(meter.counters.wakeups).toBe(0); // a timer is not a peer's wake-up
    });
  }

  it('busy time grows while callbacks run', () => {
    const { loop } = rig();
    const before = loop.busyNs();
    let spins = 0;
    loop.scheduler('device').after(0, () => {
      for (let i = 0; i < 100_000; i++) spins += i & 1;
    });
    loop.run(sideUntil(() => loop.eventsRun === 1));
    expect(spins).toBe(50_000);
    expect(loop.busyNs()).toBeGreaterThan(before);
  });
});
