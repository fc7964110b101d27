/**
 * File I/O for the gate, conformance and micro documents. Reading parses JSON and fails with
 * one line naming the file; writing replaces a file atomically (temporary file beside it,
 * fsync, rename), so a failure leaves the previous file (if any) as it was.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

let tempCounter = 0;

export function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx');
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultsError(path, undefined, `cannot write (${code ?? (error as Error).message})`);
  }
}
