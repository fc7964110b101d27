import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../support/manual-scheduler.js';

describe('ManualScheduler (test support)', () => {
  it('runs events by time, then by insertion order, advancing the clock', () => {
    const s = new ManualScheduler('dev');
    const seen: string[] = [];
    s.after(30, () => seen.push(`c@${s.now()}`));
    s.after(10, () => seen.push(`a@${s.now()}`));
    s.after(10, () => {
      seen.push(`b@${s.now()}`);
      s.after(0, () => seen.push(`d@${s.now()}`)); // same time, after already-queued events
    });
    s.after(10, () => seen.push(`b2@${s.now()}`));
    expect(s.run()).toBe(5);
    expect(seen).toEqual(['a@10', 'b@10', 'b2@10', 'd@10', 'c@30']);
  });

  it('cancels timers and runs only what is due with runUntil', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    const id = s.after(5, () => seen.push(5));
    s.after(15, () => seen.push(15));
    s.after(25, () => seen.push(25));
    s.cancel(id);
    expect(s.pending).toBe(2);
    expect(s.runUntil(20)).toBe(1);
    expect(s.now()).toBe(20);
    expect(seen).toEqual([15]);
    s.run();
    expect(seen).toEqual([15, 25]);
  });

  it('shares one clock between actors and rejects negative delays', () => {
    const dev = new ManualScheduler('dev');
    const cpu = dev.forActor('vcpu0');
    const who: string[] = [];
    cpu.after(2, () => who.push(dev.clock.running ?? '?'));
    dev.after(1, () => who.push(dev.clock.running ?? '?'));
    dev.run();
    expect(who).toEqual(['dev', 'vcpu0']);
    expect(cpu.now()).toBe(2);
    expect(() => dev.after(-1, () => {})).toThrow(RangeError);
  });

  it('stops a runaway loop', () => {
    const s = new ManualScheduler();
    const loop = (): void => {
      s.after(1, loop);
    };
    s.after(0, loop);
    expect(() => s.run(100)).toThrow(/more than 100/);
  });
});
