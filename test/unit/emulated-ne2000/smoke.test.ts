import { describe, expect, it } from 'vitest';
import { exitCounts, referenceStack } from './ne2000-stack.js';
import { makeFrame } from './raw-card.js';

describe('smoke', () => {
  it('tx/rx', () => {
    const s = referenceStack({ mode: 'echo' });
    const { m, driver } = s;
    const peer = [0x52, 0x54, 0, 0, 0, 1];
    const f = makeFrame(peer, driver.info.mac, 1514);
    const addr = m.guest.alloc.alloc(2048, 64);
    m.guest.mem.store(addr, f);
    let got: Uint8Array | undefined;
    driver.onReceive((a, l) => { got = new Uint8Array(l); m.guest.mem.load(a, l, got); });
    let sent = false;
    const before = exitCounts(m);
    m.guest.sched.after(0, () => driver.send(addr, f.length, () => { sent = true; }));
    m.run({ until: () => sent, maxEvents: 100000 });
    const mid = exitCounts(m);
    console.log('tx', mid.user - before.user, mid.kernel - before.kernel);
    m.run({ until: () => got !== undefined, maxEvents: 100000 });
    const after = exitCounts(m);
    console.log('rx', after.user - mid.user, after.kernel - mid.kernel, got?.length, driver.stats, s.device.describe());
    expect(got?.length).toBe(1514);
  });
});
