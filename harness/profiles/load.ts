/**
 * Loading cost profiles: built-in ids resolve to the JSON shipped in `harness/profiles/`
 * under the package root (found by walking up from this module, so the same code works
 * from the sources and compiled from `dist/harness/…`); anything else is a file path.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { type CostProfile, costProfileSchema } from './schema.js';

export const BUILTIN_PROFILES = ['modern-2020s', 'core2-2008'] as const;
export type BuiltinProfileId = (typeof BUILTIN_PROFILES)[number];
export const DEFAULT_PROFILE_ID: BuiltinProfileId = 'modern-2020s';

/** A profile that cannot be used; the message is one line naming the file and the field. */
export class ProfileError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, field: string | undefined, problem: string) {
    super(field === undefined ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`);
    this.name = 'ProfileError';
    this.file = file;
    this.field = field;
  }
}

export interface ProfileInfo {
  readonly id: string;
  readonly description: string;
  readonly clockGhz: number;
  readonly path: string;
}

/** Where each parsed profile came from: its file and the sha256 of its bytes. */
const origins = new WeakMap<CostProfile, { file: string; sha256: string }>();

let cachedRoot: string | undefined;

/** The package root: the nearest ancestor of this module holding package.json and harness/profiles. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'harness', 'profiles'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the ringside package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function isBuiltin(id: string): id is BuiltinProfileId {
  return (BUILTIN_PROFILES as readonly string[]).includes(id);
}

export function builtinProfilePath(id: BuiltinProfileId): string {
  return join(packageRoot(), 'harness', 'profiles', `${id}.json`);
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function firstIssue(error: z.ZodError): { field: string; problem: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: '(root)', problem: 'invalid profile' };
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return { field: fieldPath(issue.path), problem: issue.message + more };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validate profile bytes; `file` names the source in error messages. */
export function parseProfile(bytes: Uint8Array | string, file: string): CostProfile {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'));
  } catch (e) {
    throw new ProfileError(file, undefined, `invalid JSON (${(e as Error).message})`);
  }
  const parsed = costProfileSchema.safeParse(json, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? `missing (expected ${issue.expected})` : undefined,
  });
  if (!parsed.success) {
    const { field, problem } = firstIssue(parsed.error);
    throw new ProfileError(file, field, problem);
  }
  const profile = deepFreeze(parsed.data);
  origins.set(profile, { file, sha256: createHash('sha256').update(buf).digest('hex') });
  return profile;
}

/** A built-in id (`modern-2020s`, `core2-2008`) or a path to a profile JSON file. */
export function loadProfile(idOrPath: string = DEFAULT_PROFILE_ID): CostProfile {
  const file = isBuiltin(idOrPath) ? builtinProfilePath(idOrPath) : resolve(idOrPath);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? `file not found (built-in profiles: ${BUILTIN_PROFILES.join(', ')})`
        : `cannot read (${(e as Error).message})`;
    throw new ProfileError(file, undefined, problem);
  }
  const profile = parseProfile(bytes, file);
  if (isBuiltin(idOrPath) && profile.id !== idOrPath) {
    throw new ProfileError(file, 'id', `expected "${idOrPath}" for the built-in profile of that name`);
  }
  return profile;
}

/**
 * sha256 (hex) of the bytes the profile was parsed from — golden results key on it
 * (measurement.md §9.1). A profile object built in code has no file: its canonical JSON is hashed.
 */
export function profileSha256(profile: CostProfile): string {
  const origin = origins.get(profile);
  if (origin !== undefined) return origin.sha256;
  return createHash('sha256').update(JSON.stringify(profile)).digest('hex');
}

/** The file a profile was loaded from, if any. */
export function profileFile(profile: CostProfile): string | undefined {
  return origins.get(profile)?.file;
}

/** The shipped profiles, default first. */
export function listProfiles(): ProfileInfo[] {
  return BUILTIN_PROFILES.map((id) => {
    const p = loadProfile(id);
    return { id, description: p.description, clockGhz: p.clock_ghz, path: builtinProfilePath(id) };
  });
}
