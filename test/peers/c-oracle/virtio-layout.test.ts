/**
 * C header oracle (DESIGN §9; specs/virtio.md §11.1): compiles virtio_layout.c against the Linux uapi
 * virtio headers and compares every size, offset, constant, vring_size()/vring_init() placement and
 * vring_need_event() answer it prints with models/virtio/layout.ts. A missing compiler or missing headers
 * fail the test (CI installs them: `apt-get install -y linux-libc-dev build-essential`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyVringLayout, needEvent, vringSize } from '../../../models/virtio/layout.js';
import { layoutExpectations } from './virtio-layout-expectations.js';

const SOURCE = fileURLToPath(new URL('./virtio_layout.c', import.meta.url));
const INSTALL_HINT = 'install them with `apt-get install -y linux-libc-dev build-essential`';

type Line =
  | { kind: 'const' | 'sizeof' | 'offsetof'; name: string; value: number }
  | {
      kind: 'vring';
      num: number;
      align: number;
      size: number;
      avail: number;
      used_event: number;
      used: number;
      avail_event: number;
    }
  | { kind: 'need_event'; event: number; new: number; old: number; notify: 0 | 1 };

function errorText(e: unknown): string {
  const err = e as { code?: string; stderr?: Buffer | string; message?: string };
  return `${err.stderr?.toString() ?? ''}${err.message ?? String(e)}`;
}

/** Compile and run the oracle; any failure is a test failure with a message that says what to install. */
function runOracle(dir: string): Line[] {
  const binary = join(dir, 'virtio_layout');
  const flags = ['-std=c11', '-Wall', '-Wextra', '-Wpedantic', '-Werror', '-O1'];
  try {
    execFileSync('cc', [...flags, '-o', binary, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new Error(`C oracle: no C compiler ('cc') on PATH; ${INSTALL_HINT}`);
    }
    const text = errorText(e);
    const headers = /linux\/virtio_\w+\.h: No such file/.test(text)
      ? 'the Linux uapi virtio headers are missing; '
      : '';
    throw new Error(`C oracle: compiling virtio_layout.c failed; ${headers}${INSTALL_HINT}\n${text}`);
  }
  const out = execFileSync(binary, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

describe('Linux uapi virtio headers agree with models/virtio/layout.ts (C oracle)', () => {
  let dir = '';
  let lines: Line[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-c-oracle-'));
    lines = runOracle(dir);
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('every constant, struct size and field offset the headers print matches ours, and none of ours is missing', () => {
    const printed = new Set<string>();
    const mismatches: string[] = [];
    const unknown: string[] = [];
    for (const line of lines) {
      if (line.kind !== 'const' && line.kind !== 'sizeof' && line.kind !== 'offsetof') continue;
      const key = `${line.kind}:${line.name}`;
      printed.add(key);
      const want = layoutExpectations.get(key);
      if (want === undefined) unknown.push(key);
      else if (want.value !== line.value) mismatches.push(`${key}: header ${line.value}, layout.ts ${want.value}`);
    }
    expect(mismatches).toEqual([]);
    expect(unknown).toEqual([]);
    const missing = [...layoutExpectations].filter(([k, e]) => e.optional !== true && !printed.has(k)).map(([k]) => k);
    expect(missing).toEqual([]);
    expect(printed.size).toBeGreaterThan(250);
  });

  it('vring_size() and vring_init() placement for N ∈ {1…1024, 32768} × align {4096, 64, 4} (§2.7.2)', () => {
    const rings = lines.filter((l): l is Extract<Line, { kind: 'vring' }> => l.kind === 'vring');
    expect(rings.length).toBe(1025 * 3);
    const mismatches: string[] = [];
    for (const r of rings) {
      const ours = legacyVringLayout(r.num, r.align);
      const theirs = {
        desc: 0,
        avail: r.avail,
        usedEvent: r.used_event,
        used: r.used,
        availEvent: r.avail_event,
        size: r.size,
      };
      if (JSON.stringify(ours) !== JSON.stringify(theirs) || vringSize(r.num, r.align) !== r.size) {
        mismatches.push(`N=${r.num} align=${r.align}: header ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('vring_need_event() on 3 grids of 11×11×11 (around 0, 32768, 65535) and 4096 random triples (§3.4)', () => {
    const triples = lines.filter((l): l is Extract<Line, { kind: 'need_event' }> => l.kind === 'need_event');
    expect(triples.length).toBe(3 * 1331 + 4096);
    const mismatches = triples.filter((t) => needEvent(t.event, t.new, t.old) !== (t.notify === 1));
    expect(mismatches).toEqual([]);
    const notified = triples.filter((t) => t.notify === 1).length;
    expect(notified).toBeGreaterThan(0);
    expect(notified).toBeLessThan(triples.length);
  });
});
