/** What every command writes to and reads from: output streams, the models on offer, the terminal. */
import type { Model } from '../../models/platform/model.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Models to offer (default: the registry). */
  readonly models?: readonly Model[];
  /** stderr is a terminal (progress bar) — default false. */
  readonly stderrIsTTY?: boolean;
  readonly stderrColumns?: number;
  /** Environment for CI / TERM detection (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The command line as typed, recorded in the result (default process.argv after node and script). */
  readonly argv?: readonly string[];
}
