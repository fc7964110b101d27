import { describe, expect, it } from 'vitest';
import { bringUp, ideConfig, makeIdeStack, pattern, runRequest } from './ide-stack.js';

describe.each(['pio-word', 'pio-string', 'pio-multiple', 'dma'] as const)('smoke %s', (mode) => {
  it('writes then reads', () => {
    const s = makeIdeStack({ config: ideConfig(mode) });
    const port = bringUp(s, ideConfig(mode));
    expect(port.info.capacitySectors).toBe(2048);
    const data = pattern(5, 8 * 512);
    const addr = s.m.guest.alloc.alloc(data.length, 4096);
    s.m.guest.mem.store(addr, data);
    const c0 = s.m.guestMeter.counters.exitsUser;
    expect(runRequest(s, port, { op: 'write', sector: 10, sectors: 8, addr, status: 'ioerr', tag: 0 }).status).toBe('ok');
    const c1 = s.m.guestMeter.counters.exitsUser;
    const back = s.m.guest.alloc.alloc(data.length, 4096);
    expect(runRequest(s, port, { op: 'read', sector: 10, sectors: 8, addr: back, status: 'ioerr', tag: 0 }).status).toBe('ok');
    const c2 = s.m.guestMeter.counters.exitsUser;
    const got = new Uint8Array(data.length);
    s.m.guest.mem.load(back, got.length, got);
    expect(got).toEqual(data);
    console.log(mode, 'write exits', c1 - c0, 'read exits', c2 - c1);
  });
});
