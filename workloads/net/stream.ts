/**
 * Transmit workloads toward a sinking peer:
 * - `stream` — netperf TCP_STREAM / iperf3 style bulk transmit of `bs`-byte frames;
 * - `pps` — small-packet rate: minimum-size Ethernet frames (60 bytes before the FCS,
 *   IEEE 802.3 §3.2.8), where per-packet costs dominate; `iops` is packets per second.
 * Up to `iodepth` frames are queued at once, started in a closed loop or at a Poisson `rate`
 * (load.ts). Latency is intended start → transmit completion. After the measured phase the
 * workload waits (bounded) until the peer has counted every frame, so a model that loses
 * frames fails.
 */
import { pollUntil, startGuarded } from '../job.js';
import { expectedLoadOps, LoadDriver, type LoadTarget, loadParams, loadPlan } from '../load.js';
import { param, type Workload, type WorkloadContext, WorkloadUnsupported } from '../workload.js';
import { ETH_HEADER_BYTES, formatMac, MIN_WORKLOAD_FRAME, PEER_MAC, writeEthHeader, writePayload } from './frame.js';

/** Peer-count polling after the last send: interval and number of polls (10 ms of virtual time). */
const DRAIN_POLL_NS = 10_000;
const DRAIN_POLLS = 1_000;

/** Smallest Ethernet frame without its 4-byte FCS (64-byte minimum frame, IEEE 802.3 §3.2.8). */
export const ETH_MIN_FRAME = 60;

class StreamJob implements LoadTarget {
  private readonly bs: number;
  private readonly depth: number;
  private readonly driver: LoadDriver;
  private readonly addrs: number[] = [];
  private readonly frame: Uint8Array;
  private readonly onSent: (() => void)[] = [];
  private sentFrames = 0;
  private peerBaseline = 0;
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'net'>) {
    const info = ctx.port.info;
    this.bs = param(ctx.params, 'bs');
    this.depth = ctx.knobs.iodepth;
    if (this.bs > info.mtu + ETH_HEADER_BYTES) {
      throw new Error(`bs ${this.bs} exceeds the port's MTU ${info.mtu} + ${ETH_HEADER_BYTES}-byte header`);
    }
    if (this.depth > info.maxTxInflight) {
      throw new WorkloadUnsupported(
        `iodepth ${this.depth} exceeds the port's maximum of ${info.maxTxInflight} frames queued`,
      );
    }
    this.driver = new LoadDriver(ctx.guest.sched, loadPlan(ctx.params, this.depth), this, ctx.latency, ctx.seed);
    this.frame = new Uint8Array(this.bs);
    writeEthHeader(this.frame, PEER_MAC, info.mac);
    // Sink payloads are not checked; one seeded payload serves every frame.
    writePayload(this.frame, this.bs, ctx.seed, 0, 0);
    for (let slot = 0; slot < this.depth; slot++) {
      const addr = ctx.guest.alloc.alloc(this.bs, 64);
      ctx.guest.mem.store(addr, this.frame, 0, this.bs);
      this.addrs.push(addr);
      this.onSent.push(() => this.sent(slot));
    }
  }

  start(): void {
    this.ctx.note('frameBytes', this.bs);
    this.peerBaseline = this.ctx.probe.framesAtPeer();
    this.ctx.measured.begin();
    this.driver.start();
  }

  issue(slot: number, seq: number): void {
    const addr = this.addrs[slot] as number;
    // The sequence number is the only per-frame field (little endian at the payload start).
    this.ctx.guest.mem.setU32(addr + ETH_HEADER_BYTES, seq >>> 0);
    this.ctx.port.send(addr, this.bs, this.onSent[slot] as () => void);
  }

  private sent(slot: number): void {
    if (this.stopped) return;
    this.driver.finished(slot);
  }

  drained(ops: number): void {
    this.sentFrames = ops;
    this.ctx.measured.end(ops, ops * this.bs);
    this.awaitPeer();
  }

  /** Frames may still be on the wire when the last buffer comes back: poll the peer's count. */
  private awaitPeer(): void {
    const arrived = (): number => this.ctx.probe.framesAtPeer() - this.peerBaseline;
    pollUntil(
      this.ctx.guest.sched,
      DRAIN_POLL_NS,
      DRAIN_POLLS,
      () => arrived() >= this.sentFrames,
      () => {
        this.ctx.note('framesAtPeer', arrived());
        this.ctx.finish();
      },
      () => {
        this.stopped = true;
        this.ctx.fail(
          new Error(
            `peer received ${arrived()} of ${this.sentFrames} frames from ${formatMac(this.ctx.port.info.mac)} ` +
              `${(DRAIN_POLL_NS * DRAIN_POLLS) / 1e6} ms after the last transmit completed`,
          ),
        );
      },
    );
  }
}

function transmitWorkload(id: string, bsDefault: number, description: string): Workload<'net'> {
  return {
    id,
    cls: 'net',
    description,
    params: [
      {
        key: 'bs',
        default: bsDefault,
        min: MIN_WORKLOAD_FRAME,
        unit: 'bytes',
        description: 'frame size incl. 14-byte header',
      },
      ...loadParams(10_000),
    ],
    expectedOps: expectedLoadOps,
    backendNeeds: () => ({ net: { peer: 'sink' } }),
    start: (ctx) => startGuarded(ctx, () => new StreamJob(ctx)),
  };
}

export const stream = transmitWorkload(
  'stream',
  1514,
  'bulk transmit of bs-byte Ethernet frames to a sinking peer (netperf TCP_STREAM), iodepth frames queued',
);

export const pps = transmitWorkload(
  'pps',
  ETH_MIN_FRAME,
  'small-packet rate: minimum-size 60-byte frames to a sinking peer, iodepth queued; iops = packets/s',
);
