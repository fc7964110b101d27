/**
 * The design-debate claims: pending without their cells, and each verdict rule applied to
 * measured numbers on both sides of its threshold.
 */
import { describe, expect, it } from 'vitest';
import { RunIndex } from '../../../reports/data/run-index.js';
import { blockClaim, UART_LINE_BYTES_PER_SEC, uartClaim } from '../../../reports/debate/console-block.js';
import {
  grantClaim,
  P9_COMPARABLE,
  PARITY,
  p9Claim,
  persistentGrants,
  vbusClaim,
} from '../../../reports/debate/rings.js';
import { CLAIMS, debateSection } from '../../../reports/sections/debate.js';
import { fixtureDoc, fixtureRun, type RunSpec, sweep } from './fixtures.js';

const index = (runs: RunSpec[]) => new RunIndex(fixtureDoc(runs.map((r) => fixtureRun(r))));
/** A virtio block sweep (depths 1–16, coalescing at 16) plus `more`. */
const withSweep = (more: RunSpec[]) =>
  new RunIndex(fixtureDoc([...sweep('virtio'), ...more.map((r) => fixtureRun(r))]));

const consoleBulk = (model: string, bw: number, exits = 1): RunSpec => ({
  model,
  device: 'console',
  workload: 'bulk',
  params: { bs: 256 },
  bw,
  iops: bw / 256,
  perOp: { exits },
});

describe('every claim is pending without its cells', () => {
  it('an empty results file leaves all five claims pending, each naming the cells it lacks', () => {
    const empty = new RunIndex(fixtureDoc([]));
    for (const claim of CLAIMS) {
      const outcome = claim.evaluate(empty);
      expect(outcome.verdict, claim.id).toBe('pending');
      expect(outcome.headline, claim.id).not.toBe('');
    }
    expect(CLAIMS.map((c) => c.id)).toEqual([
      'uart-console',
      'block-interface',
      'p9-one-ring',
      'vbus-venet',
      'xen-grants',
    ]);
  });

  it('virtio-only results (the models built so far) leave the cross-model claims pending', () => {
    const outcome = debateSection(new RunIndex(fixtureDoc(sweep('virtio'))));
    expect(outcome.lines.map((l) => l.verdict)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    const p9 = outcome.lines.find((l) => l.id === 'p9-one-ring');
    expect(p9?.headline).toContain('p9 block');
  });

  it('each claim states who, when, the experiment and the rule', () => {
    for (const claim of CLAIMS) {
      expect(claim.source.who.length, claim.id).toBeGreaterThan(5);
      expect(claim.source.year, claim.id).toMatch(/^20\d\d/);
      expect(claim.source.status, claim.id).not.toBe('');
      expect(claim.experiment.length, claim.id).toBeGreaterThan(20);
      expect(claim.rule.length, claim.id).toBeGreaterThan(20);
    }
  });
});

describe('emulated UART vs a paravirtual console', () => {
  it('is supported when the UART moves a 115,200-baud line and refuted below it', () => {
    const fast = uartClaim.evaluate(
      index([consoleBulk('emulated', UART_LINE_BYTES_PER_SEC * 2, 4), consoleBulk('virtio', 4e7)]),
    );
    expect(fast.verdict).toBe('supported');
    expect(fast.numbers?.rows.length).toBe(2);
    const slow = uartClaim.evaluate(
      index([consoleBulk('emulated', UART_LINE_BYTES_PER_SEC / 2, 4), consoleBulk('virtio', 4e7)]),
    );
    expect(slow.verdict).toBe('refuted');
  });

  it('refutes on an echo p99 beyond 10 ms even when bulk is fast', () => {
    const echo: RunSpec = {
      model: 'emulated',
      device: 'console',
      workload: 'echo',
      params: { bs: 1 },
      p99: 20_000_000,
    };
    expect(uartClaim.evaluate(index([consoleBulk('emulated', 1e6), echo])).verdict).toBe('refuted');
  });
});

describe('what an efficient block interface needs', () => {
  const flushCell = (model: string): RunSpec => ({ model, workload: 'randwrite', params: { bs: 4096, flush: 8 } });

  it('checks the four properties per model from its block cells', () => {
    const outcome = blockClaim.evaluate(withSweep([flushCell('virtio')]));
    const virtio = outcome.numbers?.rows.find((r) => r[0]?.text === 'virtio');
    expect(virtio?.slice(1, 5).map((c) => c.state)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(outcome.verdict).toBe('pending');
  });

  it('is supported when every model with all four beats every model lacking one', () => {
    const emulated: RunSpec[] = [
      { model: 'emulated', iodepth: 1, iops: 30_000, perOp: { exits: 14, interrupts: 1 } },
      { model: 'emulated', iodepth: 4, status: 'unsupported', reason: 'IDE holds one command' },
    ];
    const outcome = blockClaim.evaluate(withSweep([flushCell('virtio'), ...emulated]));
    const row = outcome.numbers?.rows.find((r) => r[0]?.text === 'emulated');
    expect(row?.[1]?.state).toBe('fail');
    expect(row?.[2]?.state).toBe('fail');
    expect(row?.[2]?.text).toContain('IDE holds one command');
    expect(outcome.verdict).toBe('supported');
  });

  it('is refuted when a model lacking a property is faster', () => {
    const fastEmulated: RunSpec = { model: 'emulated', iodepth: 1, iops: 9e9, perOp: { exits: 14 } };
    const outcome = blockClaim.evaluate(withSweep([flushCell('virtio'), fastEmulated]));
    expect(outcome.verdict).toBe('refuted');
  });
});

describe('9P over one shared ring', () => {
  const classes = (model: string, scale: number): RunSpec[] => [
    { model, iops: 100_000 * scale },
    { model, device: 'net', workload: 'rr', params: { request: 64 }, iops: 50_000 * scale },
    { ...consoleBulk(model, 1e7 * scale) },
    { model, device: 'entropy', workload: 'drain', params: { bs: 4096 }, bw: 1e8 * scale },
  ];

  it('is supported when p9 stays within 2× of virtio in all four classes', () => {
    const outcome = p9Claim.evaluate(index([...classes('virtio', 1), ...classes('p9', P9_COMPARABLE + 0.1)]));
    expect(outcome.verdict).toBe('supported');
    expect(outcome.numbers?.rows.map((r) => r[3]?.value)).toEqual(
      [0.6, 0.6, 0.6, 0.6].map((v) => expect.closeTo(v, 9)),
    );
  });

  it('is refuted by one class below the threshold, even with others pending', () => {
    const runs = [...classes('virtio', 1), { model: 'p9', iops: 100_000 * (P9_COMPARABLE / 2) }];
    expect(p9Claim.evaluate(index(runs)).verdict).toBe('refuted');
  });

  it('is pending while a class lacks its p9 cell', () => {
    const runs = [...classes('virtio', 1), ...classes('p9', 1).slice(0, 3)];
    const outcome = p9Claim.evaluate(index(runs));
    expect(outcome.verdict).toBe('pending');
    expect(outcome.missing).toEqual(['p9 entropy']);
  });
});

describe('vbus/venet vs virtio-net', () => {
  const net = (model: string, exits: number, bw: number, p99: number): RunSpec[] => [
    { model, device: 'net', workload: 'stream', params: { bs: 1514 }, bw, perOp: { exits } },
    { model, device: 'net', workload: 'rr', params: { request: 64 }, p99 },
  ];

  it("supports Haskins' claim when vbus needs fewer exits and is faster", () => {
    const runs = [...net('vbus', 0.5, 1.2e9, 10_000), ...net('virtio', 1, 1e9, 10_000)];
    expect(vbusClaim.evaluate(index(runs)).verdict).toBe('supported');
  });

  it("refutes it (Kivity's parity) when every difference is within ±10%", () => {
    const near = 1 - PARITY / 2;
    const runs = [...net('vbus', near, 1e9 * near, 10_000), ...net('virtio', 1, 1e9, 10_000)];
    expect(vbusClaim.evaluate(index(runs)).verdict).toBe('refuted');
  });

  it('is mixed when vbus has fewer exits but is no faster', () => {
    const runs = [...net('vbus', 0.5, 0.8e9, 10_000), ...net('virtio', 1, 1e9, 10_000)];
    expect(vbusClaim.evaluate(index(runs)).verdict).toBe('mixed');
  });
});

describe('Xen grant copy vs grant map vs persistent grants', () => {
  const arm = (copy: 'copy' | 'zerocopy', iops: number, persistent = false): RunSpec => ({
    model: 'xen',
    copy,
    iops,
    modelOptions: persistent ? { 'persistent-grants': 'on' } : {},
    perOp: copy === 'copy' ? { grantCopies: 1 } : persistent ? {} : { grantMaps: 1, grantUnmaps: 1, tlbFlushes: 1 },
  });

  it('recognises a persistent-grants option by name', () => {
    expect(persistentGrants({ 'persistent-grants': 'on' })).toBe(true);
    expect(persistentGrants({ persistent: '0' })).toBe(false);
    expect(persistentGrants({ notify: 'on' })).toBe(false);
  });

  it('is supported when copy ≥ map and persistent ≥ both; mixed or refuted otherwise', () => {
    expect(
      grantClaim.evaluate(index([arm('copy', 200), arm('zerocopy', 150), arm('zerocopy', 300, true)])).verdict,
    ).toBe('supported');
    expect(
      grantClaim.evaluate(index([arm('copy', 100), arm('zerocopy', 150), arm('zerocopy', 300, true)])).verdict,
    ).toBe('mixed');
    expect(
      grantClaim.evaluate(index([arm('copy', 100), arm('zerocopy', 150), arm('zerocopy', 120, true)])).verdict,
    ).toBe('refuted');
  });

  it('is pending without the persistent arm, but shows the arms it has', () => {
    const outcome = grantClaim.evaluate(index([arm('copy', 200), arm('zerocopy', 150)]));
    expect(outcome.verdict).toBe('pending');
    expect(outcome.numbers?.rows.map((r) => r[0]?.text)).toEqual(['grant copy', 'grant map']);
    expect(outcome.missing).toEqual(['xen block randread (persistent grants)']);
  });
});
