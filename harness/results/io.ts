/**
 * Reading and writing result documents. Reads are validated against the schema and fail
 * with one line naming the file and the failing field path; writes are atomic (temp file
 * in the same directory + rename), so an error never leaves a half-written or clobbered file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { type ResultDocument, resultDocumentSchema, SCHEMA_VERSION } from './schema.js';

export class ResultsError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, field: string | undefined, problem: string) {
    super(field === undefined ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`);
    this.name = 'ResultsError';
    this.file = file;
    this.field = field;
  }
}

/** `runs[0].metrics.iops` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    return input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}`;
  }
  return issue.message;
}

/** Validate an in-memory document; `file` names it in the error. */
export function validateResults(doc: unknown, file: string): ResultDocument {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ResultsError(file, undefined, 'expected a JSON object (a ringside result document)');
  }
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new ResultsError(file, 'schemaVersion', 'missing (not a ringside result document?)');
  }
  if (version !== SCHEMA_VERSION) {
    throw new ResultsError(
      file,
      'schemaVersion',
      `unsupported schemaVersion ${JSON.stringify(version)} (this ringside reads ${SCHEMA_VERSION})`,
    );
  }
  const parsed = resultDocumentSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw new ResultsError(file, undefined, 'invalid result document');
    const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
    throw new ResultsError(file, fieldPath(issue.path), describeIssue(issue) + more);
  }
  return parsed.data;
}

export function readResults(path: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultsError(path, undefined, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(path, undefined, `invalid JSON (${(error as Error).message})`);
  }
  return validateResults(json, path);
}

/** The document as written: validated, two-space JSON, trailing newline. */
export function serializeResults(doc: ResultDocument, file: string): string {
  const valid = validateResults(doc, file);
  return `${JSON.stringify(valid, null, 2)}\n`;
}

let tempCounter = 0;

/**
 * Write a file so that a reader never sees it half-written and a failure leaves any old file
 * intact: a temporary file beside it, fsync, rename. Missing parent folders are created.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(temp, 'wx');
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
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

/** Validate, serialise and atomically replace `path`. On any error the old file (if any) is untouched. */
export function writeResults(path: string, doc: ResultDocument): void {
  writeFileAtomic(path, serializeResults(doc, path));
}
