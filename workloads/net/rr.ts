/**
 * `rr` — netperf TCP_RR style request/response: each transaction sends a `request`-byte
 * frame to the echoing peer and waits for its `response`-byte answer; up to `iodepth`
 * transactions are outstanding at once (netperf's burst mode), started in a closed loop or
 * at a Poisson `rate` (load.ts). Latency is intended start → matching response. Every
 * response is checked: addressed to us, from the peer, our EtherType, the sequence number we
 * are waiting for on that slot, and the echoed payload.
 */

import { startGuarded } from '../job.js';
import { expectedLoadOps, LoadDriver, type LoadTarget, loadParams, loadPlan } from '../load.js';
import { hexAround } from '../pattern.js';
import { param, VerificationError, type Workload, type WorkloadContext, WorkloadUnsupported } from '../workload.js';
import {
  ETH_HEADER_BYTES,
  ETHERTYPE_LOCAL_EXPERIMENTAL,
  EthOffset,
  MIN_WORKLOAD_FRAME,
  PayloadOffset,
  PEER_MAC,
  readSequence,
  readSlot,
  writeEthHeader,
  writePayload,
} from './frame.js';

/** Per-slot transaction state bits: the slot is free again once both are set. */
const TX_DONE = 1;
const RX_DONE = 2;

class RrJob implements LoadTarget {
  private readonly request: number;
  private readonly response: number;
  private readonly depth: number;
  private readonly driver: LoadDriver;
  private readonly addrs: number[] = [];
  private readonly sequence: Float64Array;
  private readonly state: Uint8Array;
  private readonly frame: Uint8Array;
  private readonly rx: Uint8Array;
  private readonly onSent: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'net'>) {
    const info = ctx.port.info;
    this.request = param(ctx.params, 'request');
    const response = param(ctx.params, 'response');
    this.response = response === 0 ? this.request : response;
    this.depth = ctx.knobs.iodepth;
    const maxFrame = info.mtu + ETH_HEADER_BYTES;
    if (this.request > maxFrame) throw new Error(`request ${this.request} exceeds the port's MTU ${info.mtu} + 14`);
    if (this.response > maxFrame) throw new Error(`response ${this.response} exceeds the port's MTU ${info.mtu} + 14`);
    if (this.response < MIN_WORKLOAD_FRAME)
      throw new Error(`response ${this.response} is below ${MIN_WORKLOAD_FRAME} bytes`);
    if (this.depth > info.maxTxInflight) {
      throw new WorkloadUnsupported(
        `iodepth ${this.depth} exceeds the port's maximum of ${info.maxTxInflight} frames queued`,
      );
    }
    if (this.depth > 0xffff) throw new Error(`iodepth ${this.depth} does not fit the 16-bit slot field`);
    this.driver = new LoadDriver(ctx.guest.sched, loadPlan(ctx.params, this.depth), this, ctx.latency, ctx.seed);
    this.sequence = new Float64Array(this.depth);
    this.state = new Uint8Array(this.depth);
    this.frame = new Uint8Array(Math.max(this.request, this.response));
    this.rx = new Uint8Array(this.response);
    writeEthHeader(this.frame, PEER_MAC, info.mac);
    for (let slot = 0; slot < this.depth; slot++) {
      this.addrs.push(ctx.guest.alloc.alloc(this.request, 64));
      this.onSent.push(() => this.settle(slot, TX_DONE));
    }
  }

  start(): void {
    this.ctx.port.onReceive((addr, len) => this.received(addr, len));
    this.ctx.note('requestBytes', this.request);
    this.ctx.note('responseBytes', this.response);
    this.ctx.measured.begin();
    this.driver.start();
  }

  issue(slot: number, seq: number): void {
    writePayload(this.frame, this.request, this.ctx.seed, seq, slot);
    this.ctx.guest.mem.store(this.addrs[slot] as number, this.frame, 0, this.request);
    this.sequence[slot] = seq;
    this.state[slot] = 0;
    this.ctx.port.send(this.addrs[slot] as number, this.request, this.onSent[slot] as () => void);
  }

  private received(addr: number, len: number): void {
    if (this.stopped) return;
    if (len !== this.response) {
      this.stop(`response of ${len} bytes, expected ${this.response}`);
      return;
    }
    const rx = this.rx;
    this.ctx.guest.mem.load(addr, len, rx, 0);
    const slot = readSlot(rx, 0);
    const seq = readSequence(rx, 0);
    if (slot >= this.depth || (this.state[slot] as number) & RX_DONE || this.sequence[slot] !== seq) {
      this.stop(`unexpected response: sequence ${seq} on slot ${slot}`);
      return;
    }
    const problem = this.checkResponse(rx, seq, slot);
    if (problem !== undefined) {
      this.stop(`response to transaction ${seq}: ${problem}`);
      return;
    }
    this.driver.record(slot);
    this.settle(slot, RX_DONE);
  }

  /**
   * Headers swapped by the peer, and the payload it echoes: the request payload repeated or
   * cut to the response length (the reference peer's echo rule, models/backend/net/peer.ts).
   */
  private checkResponse(rx: Uint8Array, seq: number, slot: number): string | undefined {
    const mac = this.ctx.port.info.mac;
    for (let i = 0; i < 6; i++) {
      if (rx[EthOffset.destination + i] !== mac[i]) return 'destination is not our MAC';
      if (rx[EthOffset.source + i] !== PEER_MAC[i]) return 'source is not the peer MAC';
    }
    const etherType = ((rx[EthOffset.etherType] as number) << 8) | (rx[EthOffset.etherType + 1] as number);
    if (etherType !== ETHERTYPE_LOCAL_EXPERIMENTAL) return `EtherType 0x${etherType.toString(16)}`;
    const request = this.frame;
    writePayload(request, this.request, this.ctx.seed, seq, slot);
    const h = ETH_HEADER_BYTES;
    const requestPayload = this.request - h;
    for (let i = h + PayloadOffset.data; i < this.response; i++) {
      const want = request[h + ((i - h) % requestPayload)] as number;
      if (rx[i] !== want) {
        return `payload byte ${i - h}: expected 0x${want.toString(16).padStart(2, '0')} got 0x${(rx[i] as number).toString(16).padStart(2, '0')} [${hexAround(rx, i)}]`;
      }
    }
    return undefined;
  }

  private settle(slot: number, bit: number): void {
    if (this.stopped) return;
    const s = ((this.state[slot] as number) | bit) & 0xff;
    this.state[slot] = s;
    if (s !== (TX_DONE | RX_DONE)) return;
    this.driver.release(slot);
  }

  drained(ops: number): void {
    this.ctx.measured.end(ops, ops * (this.request + this.response));
    this.ctx.finish();
  }

  private stop(message: string): void {
    this.stopped = true;
    this.driver.stop();
    this.ctx.fail(new VerificationError(message));
  }
}

export const rr: Workload<'net'> = {
  id: 'rr',
  cls: 'net',
  description: 'request/response transactions with an echoing peer (netperf TCP_RR), iodepth outstanding',
  params: [
    { key: 'request', default: 64, min: MIN_WORKLOAD_FRAME, unit: 'bytes', description: 'request frame incl. header' },
    { key: 'response', default: 0, min: 0, unit: 'bytes', description: 'response frame incl. header; 0 = request' },
    ...loadParams(10_000),
  ],
  expectedOps: expectedLoadOps,
  backendNeeds: (params) => {
    const response = param(params, 'response');
    return { net: { peer: 'echo', responseBytes: response === 0 ? param(params, 'request') : response } };
  },
  start: (ctx) => startGuarded(ctx, () => new RrJob(ctx)),
};
