import { describe, expect, it } from 'vitest';
import type { SimActor } from '../../../harness/engine/sim/actor.js';
import { SimEngine } from '../../../harness/engine/sim/engine.js';
import { METER_EVENT_COUNT, Meter, MeterEvent } from '../../../models/platform/meter.js';
import { Rng } from '../../../models/platform/rng.js';

// Distinct prices (ps) so that every sum below identifies what was charged.
const USER_EXIT_PS = 2_000_000;
const KERNEL_EXIT_PS = 667_000;
const WAKEUP_PS = 3_000_000;
const COPY_PS_PER_BYTE = 66.6;

function testPrices(): Float64Array {
  const p = new Float64Array(METER_EVENT_COUNT);
  p[MeterEvent.exitUser] = USER_EXIT_PS;
  p[MeterEvent.exitKernel] = KERNEL_EXIT_PS;
  p[MeterEvent.wakeup] = WAKEUP_PS;
  p[MeterEvent.copy] = COPY_PS_PER_BYTE;
  return p;
}

function rig(prices = testPrices()) {
  const engine = new SimEngine(prices);
  const guestMeter = new Meter(engine);
  const hostMeter = new Meter(engine);
  const vcpu = engine.actor('vcpu0', guestMeter);
  const device = engine.actor('device', hostMeter);
  return { engine, guestMeter, hostMeter, vcpu, device };
}

describe('sim engine: pricing', () => {
  it('an exit charged on the vCPU advances its clock by exactly the price', () => {
    const { engine, guestMeter, vcpu } = rig();
    const seen: number[] = [];
    engine.run(); // nothing queued
    vcpu.after(0, () => {
      seen.push(vcpu.now());
      guestMeter.exit('pio', 'user', 1);
      seen.push(vcpu.now());
      guestMeter.exit('pio', 'kernel', 4);
      seen.push(vcpu.now());
      guestMeter.copy(1000, 'guest');
      seen.push(vcpu.now());
    });
    engine.run();
    const start = WAKEUP_PS / 1000; // the idle vCPU was woken first
    expect(seen).toEqual([
      start,
      start + USER_EXIT_PS / 1000,
      start + (USER_EXIT_PS + KERNEL_EXIT_PS) / 1000,
      start + (USER_EXIT_PS + KERNEL_EXIT_PS + Math.round(1000 * COPY_PS_PER_BYTE)) / 1000,
    ]);
    const busyPs = WAKEUP_PS + USER_EXIT_PS + KERNEL_EXIT_PS + Math.round(1000 * COPY_PS_PER_BYTE);
    expect(engine.actors().find((a) => a.name === 'vcpu0')?.busyNs).toBe(busyPs / 1000);
    // Where the time went adds up to the busy time.
    expect(engine.chargedPsByEvent.reduce((s, v) => s + v, 0)).toBe(busyPs);
    expect(engine.chargedPsByEvent[MeterEvent.exitUser]).toBe(USER_EXIT_PS);
  });

  it('byte charges are rounded per charge, so every clock is an integer number of ps', () => {
    const { engine, hostMeter, device } = rig();
    device.after(0, () => {
      hostMeter.copy(3, 'host'); // 199.8 ps → 200
      hostMeter.copy(7, 'host'); // 466.2 ps → 466
    });
    engine.run();
    expect(engine.nowPs()).toBe(WAKEUP_PS + 200 + 466);
    expect(Number.isInteger(engine.nowPs())).toBe(true);
  });

  it('charges made outside any actor are kept apart and move no clock', () => {
    const { engine, guestMeter } = rig();
    guestMeter.exit('pio', 'user', 1);
    expect(engine.unattributedPs).toBe(USER_EXIT_PS);
    expect(engine.nowPs()).toBe(0);
    expect(guestMeter.counters.exitsUser).toBe(1);
  });
});

describe('sim engine: serial actors and posting times', () => {
  it('two events posted to one actor at the same time run back to back', () => {
    const { engine, guestMeter, vcpu } = rig();
    const spans: [number, number][] = [];
    const work = (): void => {
      const start = vcpu.now();
      guestMeter.exit('pio', 'user', 1);
      spans.push([start, vcpu.now()]);
    };
    vcpu.after(0, work);
    vcpu.after(0, work);
    engine.run();
    const first = spans[0] as [number, number];
    const second = spans[1] as [number, number];
    expect(first).toEqual([WAKEUP_PS / 1000, (WAKEUP_PS + USER_EXIT_PS) / 1000]);
    // The second starts where the first's charged cost ends, with no wake-up (the vCPU was busy).
    expect(second).toEqual([first[1], first[1] + USER_EXIT_PS / 1000]);
    expect(guestMeter.counters.wakeups).toBe(1);
  });

  it('after() from a running actor is timed from that actor’s clock plus the delay', () => {
    const { engine, guestMeter, hostMeter, vcpu, device } = rig();
    let deviceStart = -1;
    vcpu.after(0, () => {
      guestMeter.exit('pio', 'kernel', 4);
      device.after(5, () => {
        deviceStart = device.now();
      });
    });
    engine.run();
    // vCPU: wake + kernel exit; then 5 ns of delay; the idle device is woken on arrival.
    const postedAtPs = WAKEUP_PS + KERNEL_EXIT_PS;
    expect(deviceStart).toBe((postedAtPs + 5000 + WAKEUP_PS) / 1000);
    expect(hostMeter.counters.wakeups).toBe(1);
    expect(guestMeter.counters.wakeups).toBe(1);
  });

  it('after() from setup uses the engine’s current time (end of the latest work)', () => {
    const { engine, guestMeter, vcpu, device } = rig();
    expect(engine.nowNs()).toBe(0);
    vcpu.after(0, () => guestMeter.exit('pio', 'user', 1));
    engine.run();
    const end = engine.nowNs();
    expect(end).toBe((WAKEUP_PS + USER_EXIT_PS) / 1000);
    let at = -1;
    device.after(10, () => {
      at = device.now();
    });
    engine.run();
    expect(at).toBe(end + 10 + WAKEUP_PS / 1000);
  });

  it('an event due while its actor is busy waits, and other actors’ earlier work runs first', () => {
    const { engine, guestMeter, hostMeter, vcpu, device } = rig();
    const order: string[] = [];
    device.after(0, () => {
      order.push(`device-long@${device.now()}`);
      for (let i = 0; i < 5; i++) hostMeter.exit('pio', 'user', 1); // busy for 10 µs after wake
    });
    device.after(1, () => order.push(`device-queued@${device.now()}`));
    vcpu.after(2, () => order.push(`vcpu@${vcpu.now()}`));
    engine.run();
    const deviceFree = (WAKEUP_PS + 5 * USER_EXIT_PS) / 1000;
    expect(order).toEqual(['device-long@3000', `vcpu@${2 + WAKEUP_PS / 1000}`, `device-queued@${deviceFree}`]);
    expect(guestMeter.counters.wakeups + hostMeter.counters.wakeups).toBe(2);
  });

  it('simultaneous events on different actors run in posting order', () => {
    const { engine, vcpu, device } = rig(new Float64Array(METER_EVENT_COUNT));
    const order: string[] = [];
    device.after(7, () => order.push('d1'));
    vcpu.after(7, () => order.push('v1'));
    device.after(7, () => order.push('d2'));
    vcpu.after(7, () => order.push('v2'));
    engine.run();
    expect(order).toEqual(['d1', 'v1', 'd2', 'v2']);
  });

  it('rejects negative and non-finite delays', () => {
    const { vcpu } = rig();
    expect(() => vcpu.after(-1, () => {})).toThrow(RangeError);
    expect(() => vcpu.after(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => vcpu.after(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
  });

  it('afterCall passes its argument without a closure', () => {
    const { engine, vcpu } = rig();
    const got: number[] = [];
    const record = (n: number): void => {
      got.push(n);
    };
    vcpu.afterCall(1, record, 41);
    vcpu.afterCall(0, record, 40);
    engine.run();
    expect(got).toEqual([40, 41]);
  });
});

describe('sim engine: wake-ups', () => {
  it('counts a wake-up only for an idle receiver, on the receiver’s meter, charged to it', () => {
    const { engine, guestMeter, hostMeter, vcpu, device } = rig();
    const deviceStarts: number[] = [];
    const onDevice = (): void => {
      deviceStarts.push(device.now());
      hostMeter.exit('pio', 'user', 1);
    };
    vcpu.after(0, () => {
      device.after(0, onDevice); // device idle → wake-up
      device.after(0, onDevice); // one already queued → no wake-up
      vcpu.after(0, () => {}); // self-post while running → no wake-up
    });
    engine.run();
    expect(guestMeter.counters.wakeups).toBe(1); // the first post from setup
    expect(hostMeter.counters.wakeups).toBe(1);
    const t0 = WAKEUP_PS / 1000;
    expect(deviceStarts).toEqual([t0 + WAKEUP_PS / 1000, t0 + (WAKEUP_PS + USER_EXIT_PS) / 1000]);
    expect(engine.chargedPsByEvent[MeterEvent.wakeup]).toBe(2 * WAKEUP_PS);
  });

  it('the wake-up is paid by the first event the woken actor starts, once', () => {
    const { engine, hostMeter, device } = rig();
    const starts: Record<string, number> = {};
    device.after(10, () => {
      starts.late = device.now();
    }); // posted to an idle device: a wake-up is due
    device.after(0, () => {
      starts.early = device.now();
      hostMeter.exit('pio', 'user', 1);
    });
    engine.run();
    expect(starts).toEqual({ early: WAKEUP_PS / 1000, late: (WAKEUP_PS + USER_EXIT_PS) / 1000 });
    expect(hostMeter.counters.wakeups).toBe(1);
  });

  it('a post to an actor busy at post time is not a wake-up', () => {
    const { engine, guestMeter, hostMeter, vcpu, device } = rig();
    device.after(0, () => {
      for (let i = 0; i < 3; i++) hostMeter.exit('pio', 'user', 1);
    });
    vcpu.after(1, () => {
      device.after(0, () => {}); // device busy until 9 µs, vCPU at 3.001 µs
    });
    engine.run();
    expect(hostMeter.counters.wakeups).toBe(1); // only the first, from setup
    expect(guestMeter.counters.wakeups).toBe(1);
  });
});

describe('sim engine: cancel', () => {
  it('a cancelled timer never runs and no longer counts as queued work', () => {
    const { engine, hostMeter, device } = rig();
    let ran = 0;
    const id = device.after(100, () => {
      ran++;
    });
    device.cancel(id);
    engine.run();
    expect(ran).toBe(0);
    expect(hostMeter.counters.wakeups).toBe(0);
    // Nothing queued any more, so the next post is a wake-up again.
    device.after(0, () => {
      ran++;
    });
    engine.run();
    expect(ran).toBe(1);
    expect(hostMeter.counters.wakeups).toBe(1);
  });

  it('cancelling an id whose event already ran does not touch a later event', () => {
    const { engine, vcpu } = rig();
    const ran: string[] = [];
    const stale = vcpu.after(0, () => ran.push('first'));
    engine.run();
    vcpu.after(0, () => ran.push('second')); // may reuse the first one's pooled slot
    vcpu.cancel(stale);
    vcpu.cancel(12345); // never issued
    engine.run();
    expect(ran).toEqual(['first', 'second']);
  });

  it('an event can cancel another one waiting in a busy actor’s backlog', () => {
    const { engine, hostMeter, vcpu, device } = rig();
    const ran: string[] = [];
    device.after(0, () => hostMeter.exit('pio', 'user', 1));
    const victim = device.after(1, () => ran.push('victim'));
    device.after(2, () => ran.push('survivor'));
    vcpu.after(1000, () => device.cancel(victim)); // device still busy: both wait in its backlog
    engine.run();
    expect(ran).toEqual(['survivor']);
  });
});

describe('sim engine: run limits', () => {
  function ticker() {
    const r = rig(new Float64Array(METER_EVENT_COUNT));
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      r.vcpu.after(100, tick);
    };
    r.vcpu.after(0, tick);
    return { ...r, ticks: () => ticks };
  }

  it('stops when `until` holds, checked after each event', () => {
    const t = ticker();
    expect(t.engine.run({ until: () => t.ticks() >= 5 })).toEqual({ events: 5, reason: 'until' });
    expect(t.engine.run({ until: () => t.ticks() >= 5 })).toEqual({ events: 0, reason: 'until' });
  });

  it('stops at maxEvents and at maxTimeNs without running later events', () => {
    const t = ticker();
    expect(t.engine.run({ maxEvents: 3 })).toEqual({ events: 3, reason: 'maxEvents' });
    expect(t.engine.run({ maxTimeNs: 1000 })).toEqual({ events: 8, reason: 'maxTime' });
    expect(t.ticks()).toBe(11); // ticks at 0, 100, …, 1000
    expect(t.engine.nowNs()).toBe(1000);
  });

  it('reports idle when nothing is left', () => {
    const { engine, vcpu } = rig();
    vcpu.after(0, () => {});
    expect(engine.run()).toEqual({ events: 1, reason: 'idle' });
    expect(engine.run()).toEqual({ events: 0, reason: 'idle' });
  });

  it('lets an exception from an event escape run and stays usable', () => {
    const { engine, vcpu } = rig();
    vcpu.after(0, () => {
      throw new Error('device exploded');
    });
    let later = false;
    vcpu.after(1, () => {
      later = true;
    });
    expect(() => engine.run()).toThrow('device exploded');
    expect(engine.run()).toEqual({ events: 1, reason: 'idle' });
    expect(later).toBe(true);
  });

  it('refuses to run re-entrantly', () => {
    const { engine, vcpu } = rig();
    vcpu.after(0, () => engine.run());
    expect(() => engine.run()).toThrow(/re-entrant/);
  });
});

describe('sim engine: determinism', () => {
  /** A seeded program: actors ping each other with random delays and metered work. */
  function program(seed: number) {
    const { engine, guestMeter, hostMeter } = rig();
    const rng = new Rng(seed);
    const actors: SimActor[] = [engine.actor('vcpu0'), engine.actor('device')];
    for (let i = 0; i < 3; i++) actors.push(engine.actor(`worker${i}`, hostMeter));
    const trace: string[] = [];
    let budget = 3000;
    const hop = (id: number): void => {
      const me = engine.running() as SimActor;
      trace.push(`${id}:${me.actor}@${engine.nowPs()}`);
      const meter = me.actor === 'vcpu0' ? guestMeter : hostMeter;
      meter.exit('pio', rng.below(2) === 0 ? 'user' : 'kernel', 4);
      meter.copy(rng.below(4096), 'host');
      if (--budget <= 0) return;
      const to = actors[rng.below(actors.length)] as SimActor;
      const timer = to.afterCall(rng.below(5000), hop, id);
      if (rng.below(20) === 0) to.cancel(timer);
      else if (rng.below(8) === 0) to.afterCall(rng.below(100), hop, id + 1000);
    };
    for (let i = 0; i < 8; i++) (actors[i % actors.length] as SimActor).afterCall(i * 3, hop, i);
    const summary = engine.run();
    return {
      summary,
      trace,
      guest: { ...guestMeter.counters },
      host: { ...hostMeter.counters },
      actors: engine.actors(),
      end: engine.nowPs(),
    };
  }

  it('same seed and program ⇒ identical event order, times and counters', () => {
    const a = program(7);
    const b = program(7);
    expect(a.trace.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    const c = program(8);
    expect(c.trace).not.toEqual(a.trace);
  });
});
