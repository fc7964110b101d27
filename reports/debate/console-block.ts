/**
 * Two claims about low- and high-speed devices: an emulated UART is enough for a console,
 * and the four properties an efficient block interface needs.
 */
import { CANONICAL_MODELS, orderModels } from '../data/extensions.js';
import type { RunIndex } from '../data/run-index.js';
import { isOk, type OkRun } from '../data/runs.js';
import { formatNumber, formatQuantity } from '../format.js';
import { numberCell, type TableCell, textCell } from '../table.js';
import { type Claim, type ClaimOutcome, cellRun, pending, runsOf } from './claim.js';

/** A 115,200-baud line moves 11,520 characters per second (8N1: 10 bits per character). */
export const UART_LINE_BYTES_PER_SEC = 115_200 / 10;
/** Echo delay a typist does not notice (our threshold, stated in the rule). */
export const ECHO_P99_LIMIT_NS = 10_000_000;

export const uartClaim: Claim = {
  id: 'uart-console',
  title: 'Emulated UART vs a paravirtual console',
  statement:
    'For a low-speed device such as the console, an emulated 16550A UART is good enough; a paravirtual ' +
    'console buys little that matters.',
  source: {
    who: 'QEMU/KVM developers in the virtio-console and virtio-serial threads',
    year: '2007–2009',
    where: 'qemu-devel and kvm mailing lists',
    status: 'recollection, unverified: no message retrieved',
  },
  experiment:
    'console bulk output and console echo, emulated (16550A) against virtio (virtio-console); Xen, 9P and ' +
    'vbus consoles shown when present; each at its reference slice (smallest depth, no coalescing).',
  rule:
    `Supported when the emulated UART sustains at least ${formatNumber(UART_LINE_BYTES_PER_SEC)} B/s of bulk ` +
    'output (a 115,200-baud line) and, when echo was run, its echo p99 is at most 10 ms; refuted when either ' +
    'fails. The price of emulation (exits per byte against the paravirtual console) is reported, not judged.',
  evaluate(index: RunIndex): ClaimOutcome {
    const models = orderModels(index.models().filter((m) => runsOf(index, m, 'console').length > 0));
    const rows: TableCell[][] = [];
    for (const model of models) {
      for (const workload of ['bulk', 'echo']) {
        const e = cellRun(index, model, 'console', workload);
        if (e === undefined) continue;
        const m = e.run.metrics;
        rows.push([
          textCell(model),
          textCell(workload),
          numberCell(m.bw_bytes, { run: e.index, metric: 'metrics.bw_bytes' }),
          numberCell(m.lat_ns.p99, { run: e.index, metric: 'metrics.lat_ns.p99' }),
          numberCell(m.perOp.exits, { run: e.index, metric: 'metrics.perOp.exits' }),
          numberCell(m.bytes === 0 ? 0 : m.counters.exits / m.bytes),
        ]);
      }
    }
    const numbers = {
      head: ['model', 'workload', 'bytes/s', 'p99 latency (ns)', 'exits / op', 'exits / byte'],
      rows,
      numeric: [2, 3, 4, 5],
    };
    const bulk = cellRun(index, 'emulated', 'console', 'bulk');
    if (bulk === undefined) return { ...pending(['emulated console bulk']), numbers };
    const echo = cellRun(index, 'emulated', 'console', 'echo');
    const fast = bulk.run.metrics.bw_bytes >= UART_LINE_BYTES_PER_SEC;
    const snappy = echo === undefined || echo.run.metrics.lat_ns.p99 <= ECHO_P99_LIMIT_NS;
    const pv = cellRun(index, 'virtio', 'console', 'bulk');
    const price =
      pv === undefined || pv.run.metrics.counters.exits === 0
        ? ''
        : `; ${formatNumber(bulk.run.metrics.counters.exits / bulk.run.metrics.bytes / (pv.run.metrics.counters.exits / pv.run.metrics.bytes))}× virtio's exits per byte`;
    const echoText =
      echo === undefined ? 'echo not run' : `echo p99 ${formatQuantity(echo.run.metrics.lat_ns.p99, 'ns')}`;
    return {
      verdict: fast && snappy ? 'supported' : 'refuted',
      headline: `emulated UART: ${formatQuantity(bulk.run.metrics.bw_bytes, 'bytes/s')} bulk, ${echoText}${price}`,
      numbers,
      missing: [
        ...(echo === undefined ? ['emulated console echo'] : []),
        ...(pv === undefined ? ['virtio console bulk'] : []),
      ],
    };
  },
};

type Check = 'yes' | 'no' | 'pending';

interface BlockProperties {
  readonly asyncNotify: { check: Check; text: string };
  readonly inFlight: { check: Check; text: string };
  readonly coalesced: { check: Check; text: string };
  readonly barriers: { check: Check; text: string };
  readonly peakIops?: number;
}

const WRITE_WORKLOADS: ReadonlySet<string> = new Set(['write', 'randwrite', 'randrw']);
/** Depth scaling that counts as "many requests in flight" paying off. */
export const DEPTH_GAIN = 1.5;

function blockProperties(index: RunIndex, model: string): BlockProperties | undefined {
  const all = runsOf(index, model, 'block');
  if (all.length === 0) return undefined;
  const ok = all.filter(isOk);
  const workload = index.referenceWorkload('block');
  const ref = workload === undefined ? undefined : cellRun(index, model, 'block', workload);
  const asyncNotify: BlockProperties['asyncNotify'] =
    ref === undefined
      ? { check: 'pending', text: 'no reference cell' }
      : {
          check: ref.run.metrics.perOp.exits <= 1 ? 'yes' : 'no',
          text: `exits per request: ${formatNumber(ref.run.metrics.perOp.exits)} at qd=${ref.run.knobs.iodepth}`,
        };
  let inFlight: BlockProperties['inFlight'] = { check: 'pending', text: 'no depth > 1 cell' };
  if (workload !== undefined && ref !== undefined) {
    const sweep = index.pick('block', workload, model, ['iodepth']);
    const deep = sweep.filter((e) => e.run.knobs.iodepth >= 4);
    const deepOk = deep.filter(isOk).sort((a, b) => b.run.knobs.iodepth - a.run.knobs.iodepth);
    const one = sweep.filter(isOk).find((e) => e.run.knobs.iodepth === 1);
    const best = deepOk[0];
    if (best !== undefined && one !== undefined) {
      const gain = best.run.metrics.iops / one.run.metrics.iops;
      inFlight = {
        check: gain >= DEPTH_GAIN ? 'yes' : 'no',
        text: `IOPS ×${formatNumber(gain)} from qd=1 to qd=${best.run.knobs.iodepth}`,
      };
    } else if (deep.length > 0 && deepOk.length === 0) {
      inFlight = { check: 'no', text: `qd ≥ 4 ${deep[0]?.run.status}: ${deep[0]?.run.reason ?? ''}`.trim() };
    }
  }
  const deepCells = ok.filter((e) => e.run.knobs.iodepth > 1);
  const fewest = deepCells.sort((a, b) => a.run.metrics.perOp.interrupts - b.run.metrics.perOp.interrupts)[0];
  const deepRefused = all.find((e) => e.run.knobs.iodepth > 1 && e.run.status === 'unsupported');
  let coalesced: BlockProperties['coalesced'] = { check: 'pending', text: 'no depth > 1 cell' };
  if (fewest !== undefined) {
    coalesced = {
      check: fewest.run.metrics.perOp.interrupts < 1 ? 'yes' : 'no',
      text: `interrupts per request: ${formatNumber(fewest.run.metrics.perOp.interrupts)} (${fewest.run.knobs.coalesce}, qd=${fewest.run.knobs.iodepth})`,
    };
  } else if (deepRefused !== undefined) {
    // One request in flight means one completion per interrupt at best.
    coalesced = { check: 'no', text: `one request at a time (qd=${deepRefused.run.knobs.iodepth} unsupported)` };
  }
  const flushing = all.filter((e) => WRITE_WORKLOADS.has(e.run.workload) && (e.run.params.flush ?? 0) >= 1);
  const flushOk = flushing.find(isOk);
  const barriers: BlockProperties['barriers'] =
    flushOk !== undefined
      ? { check: 'yes', text: `${flushOk.run.workload} with flush every ${flushOk.run.params.flush} writes ran ok` }
      : flushing.length > 0
        ? { check: 'no', text: `flush cells ${flushing[0]?.run.status}: ${flushing[0]?.run.reason ?? ''}`.trim() }
        : { check: 'pending', text: 'no write cell with flush' };
  const peak = ok.filter((e: OkRun) => e.run.workload === workload).map((e) => e.run.metrics.iops);
  return { asyncNotify, inFlight, coalesced, barriers, ...(peak.length > 0 ? { peakIops: Math.max(...peak) } : {}) };
}

const CHECK_STATE: Readonly<Record<Check, string>> = { yes: 'pass', no: 'fail', pending: 'absent' };

function checkCell(c: { check: Check; text: string }): TableCell {
  return textCell(`${c.check === 'yes' ? '✓' : c.check === 'no' ? '✗' : '…'} ${c.text}`, {
    state: CHECK_STATE[c.check],
  });
}

export const blockClaim: Claim = {
  id: 'block-interface',
  title: 'What an efficient block interface needs',
  statement:
    'An efficient virtual block interface needs asynchronous notification, many requests in flight, one ' +
    'interrupt for many completions, and barriers.',
  source: {
    who: 'designers of the virtio-blk and Xen blkif interfaces (lguest/virtio and xen-devel discussions)',
    year: '2006–2008',
    where:
      'LKML, xen-devel; the operations themselves: blkif WRITE_BARRIER (xen-split.md §6), virtio-blk FLUSH (virtio.md §6)',
    status: 'recollection for the wording, unverified',
  },
  experiment:
    "every model's block cells: the reference cell (asynchronous notification), a depth sweep (requests in " +
    'flight), cells deeper than 1 under coalescing (interrupts per request) and write cells with flush (barriers).',
  rule:
    'Per model: asynchronous notification holds with ≤ 1 exit per request at the reference cell; many requests ' +
    `in flight with ≥ ${DEPTH_GAIN}× IOPS from qd=1 to the deepest qd ≥ 4; one interrupt for many completions ` +
    'with < 1 interrupt per request in some cell deeper than 1; barriers when a write workload with flush runs ok. ' +
    'The claim is supported when every model with all four beats every model missing one on peak IOPS of the ' +
    'reference workload, refuted when one missing a property matches or beats one with all four, pending until both kinds are measured.',
  evaluate(index: RunIndex): ClaimOutcome {
    const models = orderModels([...CANONICAL_MODELS, ...index.models()]);
    const rows: TableCell[][] = [];
    const complete: number[] = [];
    const lacking: number[] = [];
    const missing: string[] = [];
    for (const model of models) {
      const p = blockProperties(index, model);
      if (p === undefined) {
        missing.push(`${model} block`);
        rows.push([textCell(model), ...Array.from({ length: 5 }, () => textCell('… not run', { state: 'absent' }))]);
        continue;
      }
      const checks = [p.asyncNotify, p.inFlight, p.coalesced, p.barriers];
      if (p.peakIops !== undefined && checks.every((c) => c.check === 'yes')) complete.push(p.peakIops);
      else if (p.peakIops !== undefined && checks.some((c) => c.check === 'no')) lacking.push(p.peakIops);
      rows.push([
        textCell(model),
        ...checks.map(checkCell),
        p.peakIops === undefined ? textCell('—') : numberCell(p.peakIops),
      ]);
    }
    const numbers = {
      head: [
        'model',
        'asynchronous notification',
        'many in flight',
        'one interrupt, many completions',
        'barriers',
        'peak IOPS',
      ],
      rows,
      numeric: [5],
    };
    if (complete.length === 0 || lacking.length === 0) {
      return {
        verdict: 'pending',
        headline: `${complete.length} model(s) with all four properties, ${lacking.length} lacking one: the comparison needs both`,
        numbers,
        missing,
      };
    }
    const worstComplete = Math.min(...complete);
    const bestLacking = Math.max(...lacking);
    return {
      verdict: worstComplete > bestLacking ? 'supported' : 'refuted',
      headline: `slowest model with all four: ${formatNumber(worstComplete)} IOPS; fastest lacking one: ${formatNumber(bestLacking)} IOPS`,
      numbers,
      missing,
    };
  },
};
