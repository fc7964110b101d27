/**
 * Micro benchmark of the sim engine itself: events per wall-clock second for a ping-pong
 * load across actors, each event metering one exit (priced) and posting the next event on
 * another actor. Reports numbers only; run with
 * `node dist/harness/engine/sim/bench-engine.js [events] [actors] [inFlight]`.
 */
import { pathToFileURL } from 'node:url';
import { METER_EVENT_COUNT, Meter, MeterEvent } from '../../../models/platform/meter.js';
import type { SimActor } from './actor.js';
import { SimEngine } from './engine.js';

export interface EngineBenchOptions {
  /** Events to run (default 2,000,000). */
  events?: number;
  /** Actors the load hops between (default 4). */
  actors?: number;
  /** Independent chains in flight, i.e. pending events at any time (default 64). */
  inFlight?: number;
}

export interface EngineBenchResult {
  events: number;
  wallMs: number;
  eventsPerSec: number;
  virtualNs: number;
  /** Deterministic fingerprint of the run (same options ⇒ same value). */
  checksum: number;
}

export function benchEngine(options: EngineBenchOptions = {}): EngineBenchResult {
  const total = options.events ?? 2_000_000;
  const actorCount = options.actors ?? 4;
  const inFlight = options.inFlight ?? 64;
  const prices = new Float64Array(METER_EVENT_COUNT);
  prices[MeterEvent.exitKernel] = 667_000;
  const engine = new SimEngine(prices);
  const meter = new Meter(engine);
  const actors: SimActor[] = [];
  for (let i = 0; i < actorCount; i++) actors.push(engine.actor(`a${i}`, meter));

  let lcg = 12345;
  let checksum = 0;
  // One long-lived callback per chain position: `arg` is the chain id, so nothing is allocated per event.
  const hop = (chain: number): void => {
    meter.exit('pio', 'kernel', 4);
    lcg = (Math.imul(lcg, 1103515245) + 12345) >>> 0;
    checksum = (checksum + chain + (lcg & 0xff)) >>> 0;
    const next = actors[(lcg >>> 8) % actorCount] as SimActor;
    next.afterCall((lcg >>> 16) & 0x3ff, hop, chain);
  };
  for (let c = 0; c < inFlight; c++) (actors[c % actorCount] as SimActor).afterCall(c, hop, c);

  const t0 = process.hrtime.bigint();
  const summary = engine.run({ maxEvents: total });
  const wallNs = Number(process.hrtime.bigint() - t0);
  const wallMs = wallNs / 1e6;
  return {
    events: summary.events,
    wallMs,
    eventsPerSec: summary.events / (wallNs / 1e9),
    virtualNs: engine.nowNs(),
    checksum,
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const [events, actors, inFlight] = process.argv.slice(2).map(Number);
  benchEngine({ events: 200_000 }); // warm up the JIT
  const r = benchEngine({ events: events || undefined, actors: actors || undefined, inFlight: inFlight || undefined });
  console.log(
    `sim engine: ${r.events} events in ${r.wallMs.toFixed(1)} ms = ${(r.eventsPerSec / 1e6).toFixed(2)} M events/s ` +
      `(virtual ${(r.virtualNs / 1e6).toFixed(3)} ms, checksum ${r.checksum})`,
  );
}
