/**
 * Read, validate and compare: the whole gate short of printing. Every input (baseline,
 * current, config) is read and validated before anything is decided, so a malformed file
 * stops the gate with one line naming it (ResultsError → exit 2) and nothing is written.
 */
import { validateMicroSection } from '../micro/schema.js';
import { ResultsError, validateResults } from '../results/io.js';
import type { Env } from '../results/schema.js';
import { compareCellSets, type GateReport } from './compare.js';
import { type GateConfig, readGateConfig, resolvePolicy } from './config.js';
import { readJsonFile } from './files.js';
import { DuplicateCellError, type GateCell, gateCells } from './series.js';

export interface GateDocument {
  readonly file: string;
  readonly env: Env;
  /** sha256 of the A/B-critical environment (measurement.md §5.4), when the file records one. */
  readonly envHash: string | undefined;
  readonly cells: ReadonlyMap<string, GateCell>;
}

/** A result file (runs and/or micro benchmarks) as gate cells; any result file is a baseline. */
export function readGateDocument(file: string): GateDocument {
  const json = readJsonFile(file);
  const doc = validateResults(json, file);
  const micro = validateMicroSection(json, file);
  try {
    return { file, env: doc.env, envHash: doc.run?.env_hash, cells: gateCells(doc, micro) };
  } catch (error) {
    if (error instanceof DuplicateCellError) throw new ResultsError(file, 'micro', error.message);
    throw error;
  }
}

/** Environment fields that move wall-clock numbers (measurement.md §5.4). */
const TIMING_ENV = ['node', 'v8', 'platform', 'arch', 'cpuModel', 'cpus'] as const;

export function environmentWarnings(base: Env, head: Env): string[] {
  return TIMING_ENV.filter((k) => base[k] !== head[k]).map(
    (k) => `timing compared across environments: ${k} ${String(base[k])} in the baseline, ${String(head[k])} now`,
  );
}

export interface GateInputs {
  readonly baseline: string;
  readonly current: string;
  readonly config?: string;
  readonly now?: Date;
}

export interface GateOutcome {
  readonly baseline: GateDocument;
  readonly current: GateDocument;
  readonly config: GateConfig;
  readonly report: GateReport;
}

/**
 * measurement.md §4.2 A/B step 1: timing is compared only between matching environments. With
 * both env hashes recorded, a mismatch withholds every timing verdict; otherwise the differing
 * fields are reported as warnings.
 */
export function timingBlocked(baseline: GateDocument, current: GateDocument): string | undefined {
  if (baseline.envHash === undefined || current.envHash === undefined) return undefined;
  if (baseline.envHash === current.envHash) return undefined;
  return 'environments differ (env_hash): no timing verdict';
}

export function runGate(inputs: GateInputs): GateOutcome {
  const baseline = readGateDocument(inputs.baseline);
  const current = readGateDocument(inputs.current);
  const config = inputs.config === undefined ? {} : readGateConfig(inputs.config);
  const blocked = timingBlocked(baseline, current);
  const report = compareCellSets(baseline.cells, current.cells, resolvePolicy(config), {
    ...(inputs.now === undefined ? {} : { now: inputs.now }),
    ...(blocked === undefined ? {} : { timingBlocked: blocked }),
  });
  const timed = report.rows.some((r) => r.kind === 'timing');
  const warnings = timed ? environmentWarnings(baseline.env, current.env) : [];
  return {
    baseline,
    current,
    config,
    report: warnings.length === 0 ? report : { ...report, warnings: [...warnings, ...report.warnings] },
  };
}
