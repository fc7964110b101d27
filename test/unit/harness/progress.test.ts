/** Progress on stderr (measurement.md §8.2): a bar with ETA on a terminal, plain lines elsewhere, nothing when quiet. */
import { describe, expect, it } from 'vitest';
import { clock, Progress, progressMode } from '../../../harness/cli/progress.js';

/** Erase line + carriage return, as the bar writes before each redraw. */
const CLEAR = '\r\x1b[2K';

function capture() {
  const chunks: string[] = [];
  return { write: (t: string) => chunks.push(t), text: () => chunks.join(''), chunks };
}

describe('progressMode', () => {
  it('bar on a terminal, lines under CI or on a pipe, nothing when quiet', () => {
    expect(progressMode({ quiet: false, isTTY: true, env: {} })).toBe('bar');
    expect(progressMode({ quiet: false, isTTY: true, env: { CI: 'true' } })).toBe('lines');
    expect(progressMode({ quiet: false, isTTY: true, env: { TERM: 'dumb' } })).toBe('lines');
    expect(progressMode({ quiet: false, isTTY: false, env: {} })).toBe('lines');
    expect(progressMode({ quiet: true, isTTY: true, env: {} })).toBe('quiet');
  });
});

describe('Progress', () => {
  it('lines: one line per finished cell with its status, time and note', () => {
    const out = capture();
    const p = new Progress(out.write, 'lines', 2, () => 0);
    p.begin('virtio block randread qd=1 none zerocopy');
    p.end('virtio block randread qd=1 none zerocopy', 'ok', 1234);
    p.end('virtio net rr qd=1 none zerocopy', 'error', 50, '[repeat 2/3]');
    p.finish('2 cells: 1 ok, 1 error in 1.3 s');
    expect(out.text()).toBe(
      '[1/2] virtio block randread qd=1 none zerocopy: ok (1.2 s)\n' +
        '[2/2] virtio net rr qd=1 none zerocopy: error (0.1 s) [repeat 2/3]\n' +
        '2 cells: 1 ok, 1 error in 1.3 s\n',
    );
  });

  it('bar: redrawn in place with count, percentage, elapsed and an ETA from the pace so far', () => {
    const out = capture();
    let now = 0;
    const p = new Progress(out.write, 'bar', 4, () => now, 100);
    p.begin('cell A');
    expect(out.chunks.at(-1)).toBe(`${CLEAR}[${'-'.repeat(24)}] 0/4 0% 0:00 ETA -:--  cell A`);
    now = 10_000;
    p.end('cell A', 'ok', 10_000);
    // 10 s per cell so far, three cells left.
    expect(p.eta()).toBe(30);
    expect(out.chunks.at(-1)?.startsWith(`${CLEAR}[${'#'.repeat(6)}${'-'.repeat(18)}] 1/4 25% 0:10 ETA 0:30`)).toBe(
      true,
    );
    p.end('cell B', 'error', 1);
    // A failure stays visible above the bar.
    expect(out.text()).toContain('\r\x1b[2Kcell B: error\n');
    p.finish('done');
    expect(out.text().endsWith('\r\x1b[2Kdone\n')).toBe(true);
    // Never a newline inside a bar redraw.
    expect(out.chunks.filter((c) => c.includes('ETA')).every((c) => !c.includes('\n'))).toBe(true);
  });

  it('quiet: writes nothing at all', () => {
    const out = capture();
    const p = new Progress(out.write, 'quiet', 1);
    p.begin('x');
    p.end('x', 'error', 1);
    p.above('warning');
    p.finish('summary');
    expect(out.chunks).toEqual([]);
  });

  it('clock formats m:ss and h:mm:ss', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(75.4)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
  });
});
