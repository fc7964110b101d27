/**
 * File I/O for the gate, conformance and micro documents. Reading parses JSON and fails with
 * one line naming the file; writing replaces a file atomically (temporary file beside it,
 * fsync, rename), so a failure leaves the previous file (if any) as it was.
 */
import { readFileSync } from 'node:fs';
import { ResultsError } from '../results/io.js';

/** The parsed JSON of `path`; a missing, unreadable or unparsable file is a ResultsError naming it. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultsError(path, undefined, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ResultsError(path, undefined, `invalid JSON (${(error as Error).message})`);
  }
}

export { writeFileAtomic } from '../results/io.js';
