/**
 * `stream` — netperf TCP_STREAM / iperf3 style bulk transmit: `ops` frames of `bs` bytes
 * toward the peer (which sinks them), `iodepth` frames queued at once, the next sent as
 * soon as a transmit buffer is handed back. Latency is the transmit completion time.
 * After the measured phase the workload waits (bounded) until the peer has counted
 * every frame, so a model that loses frames fails.
 */
import { pollUntil, startGuarded } from '../job.js';
import { param, type Workload, type WorkloadContext } from '../workload.js';
import { ETH_HEADER_BYTES, formatMac, MIN_WORKLOAD_FRAME, PEER_MAC, writeEthHeader, writePayload } from './frame.js';

/** Peer-count polling after the last send: interval and number of polls (10 ms of virtual time). */
const DRAIN_POLL_NS = 10_000;
const DRAIN_POLLS = 1_000;

class StreamJob {
  private readonly bs: number;
  private readonly ops: number;
  private readonly depth: number;
  private readonly addrs: number[] = [];
  private readonly sentAt: Float64Array;
  private readonly frame: Uint8Array;
  private readonly onSent: (() => void)[] = [];
  private issued = 0;
  private completed = 0;
  private peerBaseline = 0;
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'net'>) {
    const info = ctx.port.info;
    this.bs = param(ctx.params, 'bs');
    this.ops = param(ctx.params, 'ops');
    this.depth = ctx.knobs.iodepth;
    if (this.bs > info.mtu + ETH_HEADER_BYTES) {
      throw new Error(`bs ${this.bs} exceeds the port's MTU ${info.mtu} + ${ETH_HEADER_BYTES}-byte header`);
    }
    if (this.depth > info.maxTxInflight) {
      throw new Error(`iodepth ${this.depth} exceeds the port's maximum of ${info.maxTxInflight} frames queued`);
    }
    this.sentAt = new Float64Array(this.depth);
    this.frame = new Uint8Array(this.bs);
    writeEthHeader(this.frame, PEER_MAC, info.mac);
    // Stream payloads are not checked by the sink; one seeded payload serves every frame.
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
    const first = Math.min(this.depth, this.ops);
    for (let slot = 0; slot < first; slot++) this.send(slot);
  }

  private send(slot: number): void {
    const addr = this.addrs[slot] as number;
    // The sequence number is the only per-frame field (little endian at the payload start).
    const seq = this.issued++;
    const mem = this.ctx.guest.mem;
    mem.setU32(addr + ETH_HEADER_BYTES, seq);
    this.sentAt[slot] = this.ctx.guest.sched.now();
    this.ctx.port.send(addr, this.bs, this.onSent[slot] as () => void);
  }

  private sent(slot: number): void {
    if (this.stopped) return;
    this.ctx.latency.record(this.ctx.guest.sched.now() - (this.sentAt[slot] as number));
    this.completed++;
    if (this.issued < this.ops) this.send(slot);
    else if (this.completed === this.ops) {
      this.ctx.measured.end(this.ops, this.ops * this.bs);
      this.awaitPeer();
    }
  }

  /** Frames may still be on the wire when the last buffer comes back: poll the peer's count. */
  private awaitPeer(): void {
    const arrived = (): number => this.ctx.probe.framesAtPeer() - this.peerBaseline;
    pollUntil(
      this.ctx.guest.sched,
      DRAIN_POLL_NS,
      DRAIN_POLLS,
      () => arrived() >= this.ops,
      () => {
        this.ctx.note('framesAtPeer', arrived());
        this.ctx.finish();
      },
      () => {
        this.stopped = true;
        this.ctx.fail(
          new Error(
            `peer received ${arrived()} of ${this.ops} frames from ${formatMac(this.ctx.port.info.mac)} ` +
              `${(DRAIN_POLL_NS * DRAIN_POLLS) / 1e6} ms after the last transmit completed`,
          ),
        );
      },
    );
  }
}

export const stream: Workload<'net'> = {
  id: 'stream',
  cls: 'net',
  description: 'bulk transmit of bs-byte Ethernet frames to a sinking peer, iodepth frames queued',
  params: [
    {
      key: 'bs',
      default: 1514,
      min: MIN_WORKLOAD_FRAME,
      unit: 'bytes',
      description: 'frame size incl. 14-byte header',
    },
    { key: 'ops', default: 10_000, min: 1, unit: 'ops', description: 'frames sent in the measured phase' },
  ],
  expectedOps: (params) => param(params, 'ops'),
  backendNeeds: () => ({ net: { peer: 'sink' } }),
  start: (ctx) => startGuarded(ctx, () => new StreamJob(ctx)),
};
