/**
 * Three claims about rings: 9P on one shared ring for every class, vbus/venet against
 * virtio-net, and Xen's grant copy against grant map and persistent grants.
 */
import type { RunIndex } from '../data/run-index.js';
import { axisValues, DEVICE_ORDER, isOk, type OkRun, optionsKey, throughputOf } from '../data/runs.js';
import { formatChange, formatNumber } from '../format.js';
import { numberCell, type TableCell, textCell } from '../table.js';
import { type Claim, type ClaimOutcome, cellRun, pending, relative } from './claim.js';

/** p9 throughput at least this fraction of virtio's counts as "comparable" (within 2×). */
export const P9_COMPARABLE = 0.5;

export const p9Claim: Claim = {
  id: 'p9-one-ring',
  title: '9P over one shared ring for every device class',
  statement:
    'One 9P transport over one shared ring can serve every device class — disk, network, console, entropy — ' +
    'at a cost comparable to dedicated per-device rings.',
  source: {
    who: 'E. Van Hensbergen (PROSE; 9P as a paravirtual transport)',
    year: '2006–2008',
    where: 'IWP9 2006; KVM Forum 2008 (p9-ring.md §11)',
    status: 'published; numeric tables not retrieved',
  },
  experiment:
    'per class, the reference workload and slice under p9 (one 9P session on one ring) and virtio (a ' +
    'dedicated virtqueue per device).',
  rule:
    `Supported when in all four classes p9 reaches at least ${P9_COMPARABLE * 100}% of virtio's throughput; ` +
    'refuted when any measured class falls below; pending while a class lacks either cell.',
  evaluate(index: RunIndex): ClaimOutcome {
    const rows: TableCell[][] = [];
    const missing: string[] = [];
    let below = 0;
    let measured = 0;
    for (const device of DEVICE_ORDER) {
      const workload = index.referenceWorkload(device);
      const p9 = workload === undefined ? undefined : cellRun(index, 'p9', device, workload);
      const pv = workload === undefined ? undefined : cellRun(index, 'virtio', device, workload);
      if (p9 === undefined) missing.push(`p9 ${device}`);
      if (pv === undefined) missing.push(`virtio ${device}`);
      if (p9 === undefined || pv === undefined || workload === undefined) continue;
      const tp = throughputOf(device, workload);
      const ratio = pv.run.metrics[tp.metric] === 0 ? 0 : p9.run.metrics[tp.metric] / pv.run.metrics[tp.metric];
      measured++;
      if (ratio < P9_COMPARABLE) below++;
      rows.push([
        textCell(`${device} · ${workload}`),
        numberCell(p9.run.metrics[tp.metric], { run: p9.index, metric: `metrics.${tp.metric}` }),
        numberCell(pv.run.metrics[tp.metric], { run: pv.index, metric: `metrics.${tp.metric}` }),
        numberCell(ratio),
        numberCell(p9.run.metrics.perOp.bytesCopied, { run: p9.index, metric: 'metrics.perOp.bytesCopied' }),
        numberCell(pv.run.metrics.perOp.bytesCopied, { run: pv.index, metric: 'metrics.perOp.bytesCopied' }),
      ]);
    }
    const numbers = {
      head: [
        'class',
        'p9 throughput',
        'virtio throughput',
        'p9 / virtio',
        'p9 bytes copied / op',
        'virtio bytes copied / op',
      ],
      rows,
      numeric: [1, 2, 3, 4, 5],
    };
    if (below > 0) {
      return {
        verdict: 'refuted',
        headline: `p9 below ${P9_COMPARABLE * 100}% of virtio in ${below} of ${measured} class(es)`,
        numbers,
        missing,
      };
    }
    if (measured < DEVICE_ORDER.length) return { ...pending(missing), numbers };
    return {
      verdict: 'supported',
      headline: `p9 within ${1 / P9_COMPARABLE}× of virtio in all four classes`,
      numbers,
      missing,
    };
  },
};

/** Differences inside ±10% count as parity (Kivity: "vhost-net should match vbus"). */
export const PARITY = 0.1;

export const vbusClaim: Claim = {
  id: 'vbus-venet',
  title: 'vbus/venet vs virtio-net',
  statement:
    'venet on vbus beats virtio-net: fewer exits (virtio-net 65k/s vs venet 36k/s at GigE TCP_STREAM), less CPU ' +
    '(30% vs 19%) and lower request-response latency. Counter-claim: the gap is the userspace implementation, ' +
    'not the ABI; an in-kernel virtio back end should match vbus.',
  source: {
    who: 'G. Haskins; reply A. Kivity',
    year: '2009',
    where: '<4AC3B9C6.5090408@gmail.com> (2009-09-30); <4AC46989.7030502@redhat.com> (2009-10-01) (vbus.md §11)',
    status: 'mail',
  },
  experiment:
    'net stream (throughput, exits per frame) and net rr (p99 latency), vbus against virtio, both on the same ' +
    'reference backend — which removes the userspace/in-kernel confound Kivity objected to.',
  rule:
    `Haskins' claim is supported when vbus needs ≥ ${PARITY * 100}% fewer exits per frame on stream AND is ` +
    `≥ ${PARITY * 100}% better on stream throughput or rr p99; refuted (Kivity's parity) when every difference is ` +
    `within ±${PARITY * 100}% or virtio is ahead; mixed otherwise.`,
  evaluate(index: RunIndex): ClaimOutcome {
    const cells = {
      vbusStream: cellRun(index, 'vbus', 'net', 'stream'),
      virtioStream: cellRun(index, 'virtio', 'net', 'stream'),
      vbusRr: cellRun(index, 'vbus', 'net', 'rr'),
      virtioRr: cellRun(index, 'virtio', 'net', 'rr'),
    };
    const missing = Object.entries(cells)
      .filter(([, e]) => e === undefined)
      .map(([k]) => k.replace(/([A-Z])/g, ' $1').toLowerCase());
    const rows: TableCell[][] = [];
    const metricRow = (
      label: string,
      path: string,
      a: OkRun | undefined,
      b: OkRun | undefined,
      value: (e: OkRun) => number,
    ) => {
      if (a === undefined || b === undefined) return;
      rows.push([
        textCell(label),
        numberCell(value(a), { run: a.index, metric: path }),
        numberCell(value(b), { run: b.index, metric: path }),
        textCell(formatChange(relative(value(a), value(b)))),
      ]);
    };
    metricRow(
      'stream bytes/s',
      'metrics.bw_bytes',
      cells.vbusStream,
      cells.virtioStream,
      (e) => e.run.metrics.bw_bytes,
    );
    metricRow(
      'stream exits / frame',
      'metrics.perOp.exits',
      cells.vbusStream,
      cells.virtioStream,
      (e) => e.run.metrics.perOp.exits,
    );
    metricRow(
      'stream interrupts / frame',
      'metrics.perOp.interrupts',
      cells.vbusStream,
      cells.virtioStream,
      (e) => e.run.metrics.perOp.interrupts,
    );
    metricRow(
      'rr p99 latency (ns)',
      'metrics.lat_ns.p99',
      cells.vbusRr,
      cells.virtioRr,
      (e) => e.run.metrics.lat_ns.p99,
    );
    metricRow('rr transactions/s', 'metrics.iops', cells.vbusRr, cells.virtioRr, (e) => e.run.metrics.iops);
    const numbers = { head: ['metric', 'vbus', 'virtio', 'vbus vs virtio'], rows, numeric: [1, 2] };
    const { vbusStream, virtioStream, vbusRr, virtioRr } = cells;
    if (vbusStream === undefined || virtioStream === undefined || vbusRr === undefined || virtioRr === undefined) {
      return { ...pending(missing), numbers };
    }
    const exits = relative(vbusStream.run.metrics.perOp.exits, virtioStream.run.metrics.perOp.exits);
    const bw = relative(vbusStream.run.metrics.bw_bytes, virtioStream.run.metrics.bw_bytes);
    const p99 = relative(vbusRr.run.metrics.lat_ns.p99, virtioRr.run.metrics.lat_ns.p99);
    const fewerExits = exits <= -PARITY;
    const faster = bw >= PARITY || p99 <= -PARITY;
    const parity = [exits, bw, p99].every((d) => Math.abs(d) <= PARITY);
    const virtioAhead = exits >= 0 && bw <= 0 && p99 >= 0;
    const verdict = fewerExits && faster ? 'supported' : parity || virtioAhead ? 'refuted' : 'mixed';
    return {
      verdict,
      headline: `vbus vs virtio: exits/frame ${formatChange(exits)}, stream ${formatChange(bw)}, rr p99 ${formatChange(p99)}`,
      numbers,
      missing,
    };
  },
};

const ON = new Set(['on', '1', 'true', 'yes']);

/** A Xen model option turning persistent grants on (any option whose key mentions "persistent"). */
export function persistentGrants(options: Readonly<Record<string, string>>): boolean {
  return Object.entries(options).some(([k, v]) => k.toLowerCase().includes('persistent') && ON.has(v.toLowerCase()));
}

export const grantClaim: Claim = {
  id: 'xen-grants',
  title: 'Xen grant copy vs grant map vs persistent grants',
  statement:
    'Copying through grant-copy hypercalls beats mapping and unmapping grants, whose unmaps need TLB flushes; ' +
    'persistent grants — mapped once and reused — beat both.',
  source: {
    who: 'Santos et al. (grant copy in netback); the Linux blkfront/blkback persistent-grants series',
    year: '2008; 2012',
    where: 'USENIX ATC 2008; lkml 1210.2/01917 (xen-split.md §15)',
    status: 'abstract; list post',
  },
  experiment:
    'Xen block at the reference workload and slice in three arms: copy mode copy (grant copy), copy mode ' +
    'zerocopy (grant map/unmap), and zerocopy with a persistent-grants model option.',
  rule:
    "Supported when grant copy reaches at least grant map's IOPS and persistent grants at least both; refuted " +
    'when neither holds; mixed when one does; pending while an arm is absent. The costs of map, unmap and ' +
    'flush are model assumptions (no source gives cycle costs, xen-split.md §15), so the verdict tests the cost model too.',
  evaluate(index: RunIndex): ClaimOutcome {
    const workload = index.referenceWorkload('block');
    if (workload === undefined) return pending(['xen block']);
    const slice = index.slice('block', workload);
    const onSlice = index.group('block', workload).filter((e): e is OkRun => {
      if (e.run.model !== 'xen' || !isOk(e)) return false;
      const axes = axisValues(e.run);
      return [...slice.axes].every(([axis, ref]) => axis === 'copy' || axes.get(axis) === ref);
    });
    const arm = (copy: string, persistent: boolean) =>
      onSlice.find((e) => e.run.knobs.copy === copy && persistentGrants(e.run.modelOptions) === persistent);
    const arms = [
      { name: 'grant copy', e: arm('copy', false) },
      { name: 'grant map', e: arm('zerocopy', false) },
      { name: 'persistent grants', e: arm('zerocopy', true) },
    ];
    const rows: TableCell[][] = arms
      .filter((a) => a.e !== undefined)
      .map((a) => {
        const e = a.e as OkRun;
        const at = (path: string) => ({ run: e.index, metric: path });
        const m = e.run.metrics;
        return [
          textCell(a.name, { title: optionsKey(e.run) }),
          numberCell(m.iops, at('metrics.iops')),
          numberCell(m.lat_ns.p99, at('metrics.lat_ns.p99')),
          numberCell(m.perOp.grantCopies, at('metrics.perOp.grantCopies')),
          numberCell(m.perOp.grantMaps, at('metrics.perOp.grantMaps')),
          numberCell(m.perOp.grantUnmaps, at('metrics.perOp.grantUnmaps')),
          numberCell(m.perOp.tlbFlushes, at('metrics.perOp.tlbFlushes')),
          numberCell(m.perOp.hypercalls, at('metrics.perOp.hypercalls')),
          numberCell(m.perOp.bytesCopied, at('metrics.perOp.bytesCopied')),
        ];
      });
    const numbers = {
      head: [
        'arm',
        'IOPS',
        'p99 (ns)',
        'grant copies / op',
        'maps / op',
        'unmaps / op',
        'TLB flushes / op',
        'hypercalls / op',
        'bytes copied / op',
      ],
      rows,
      numeric: [1, 2, 3, 4, 5, 6, 7, 8],
    };
    const missing = arms.filter((a) => a.e === undefined).map((a) => `xen block ${workload} (${a.name})`);
    const [copy, map, persistent] = arms.map((a) => a.e);
    if (copy === undefined || map === undefined || persistent === undefined) return { ...pending(missing), numbers };
    const copyWins = copy.run.metrics.iops >= map.run.metrics.iops;
    const persistentWins = persistent.run.metrics.iops >= Math.max(copy.run.metrics.iops, map.run.metrics.iops);
    return {
      verdict: copyWins && persistentWins ? 'supported' : copyWins || persistentWins ? 'mixed' : 'refuted',
      headline:
        `IOPS: grant copy ${formatNumber(copy.run.metrics.iops)}, grant map ${formatNumber(map.run.metrics.iops)}, ` +
        `persistent ${formatNumber(persistent.run.metrics.iops)}`,
      numbers,
      missing,
    };
  },
};
