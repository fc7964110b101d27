/**
 * What the main thread hands each worker and what the workers send back. Only plain data crosses:
 * the cell spec as JSON (each worker builds its model from the registry by id), shared buffers, and
 * a MessagePort the main thread drains synchronously (`receiveMessageOnPort`) once the run is over.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CellSpec } from '../../runner/cell.js';
import type { WallLatency } from './latency-histogram.js';
import type { WaitPolicy } from './notify.js';
import type { SideSnapshot } from './snapshot.js';

export type Side = 'guest' | 'host';

/**
 * A fault the engine injects, to test its own failure handling (not a model feature): the side
 * throws, or hangs (blocks forever without progress), at start-up or when the measured phase begins.
 */
export interface ThreadsFault {
  readonly side: Side;
  readonly kind: 'throw' | 'hang';
  readonly at: 'start' | 'measured';
}

/** A model the workers import and register before resolving the cell (a plug-in, or a model not yet in the registry). */
export interface ModelModule {
  /** URL of an ES module the workers can load (compiled JavaScript). */
  readonly url: string;
  /** Name of its export holding the Model. */
  readonly export: string;
}

/** Control-block words the worker bootstrap uses before (or without) loading the project. */
export interface WorkerWords {
  /** Int32 words in the control block. */
  readonly count: number;
  readonly state: number;
  readonly done: number;
  readonly failed: number;
  readonly stop: number;
  readonly mainAttention: number;
  /** Futex words to bump and notify on failure, so a sleeping peer sees the stop. */
  readonly wake: readonly number[];
  /** Futex words to notify only (their value carries a sequence number: the exit reply). */
  readonly notify: readonly number[];
}

export interface WorkerInit {
  readonly role: Side;
  readonly words: WorkerWords;
  readonly modelModules: readonly ModelModule[];
  readonly spec: CellSpec;
  readonly ram: SharedArrayBuffer;
  readonly link: SharedArrayBuffer;
  readonly policy: WaitPolicy;
  readonly fault: ThreadsFault | undefined;
  readonly port: MessagePort;
}

export type MeasuredPhaseState = 'before' | 'measuring' | 'measured';

/** The guest half's account of the run. */
export interface GuestReport {
  readonly kind: 'guest-report';
  readonly outcome: { readonly kind: 'finished' } | { readonly kind: 'failed'; readonly reason: string };
  readonly phase: MeasuredPhaseState;
  readonly ops: number;
  readonly bytes: number;
  /** Wall-clock ns of the measured phase (guest clock). */
  readonly wallNs: number;
  /** Each side's figures over the measured phase (undefined unless it completed). */
  readonly window: { readonly guest: SideSnapshot; readonly host: SideSnapshot } | undefined;
  readonly latency: WallLatency;
  readonly notes: Readonly<Record<string, number>>;
  /** The guest's figures over the whole run. */
  readonly total: SideSnapshot;
}

/** The host half's figures over the whole run, sent when it stops. */
export interface HostReport {
  readonly kind: 'host-report';
  readonly total: SideSnapshot;
}

/** An exception escaped a half (or a fault was injected): the run fails with this. */
export interface FailureReport {
  readonly kind: 'failure';
  readonly side: Side;
  readonly reason: string;
}

export type WorkerReport = GuestReport | HostReport | FailureReport;

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}
