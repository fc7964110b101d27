/** DESIGN §2: dependencies point one way. Checked on every test run. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importEdges, listSources } from '../support/import-graph.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = listSources(root, ['models', 'workloads', 'harness', 'reports']);
const edges = importEdges(root, files);
const MODELS = ['emulated', 'virtio', 'xen', 'p9', 'vbus'];

function layer(path: string): string {
  const [top, second] = path.split('/');
  return top === 'models' ? `models/${second}` : (top ?? '');
}

function violations(rule: (fromLayer: string, toLayer: string, to: string) => boolean): string[] {
  return edges.filter((e) => rule(layer(e.from), layer(e.to), e.to)).map((e) => `${e.from}:${e.line} → ${e.to}`);
}

describe('DESIGN §2 dependency rules', () => {
  it('finds the sources it checks', () => {
    expect(files.some((f) => f.startsWith('models/platform/'))).toBe(true);
    expect(edges.length).toBeGreaterThan(10);
  });

  it('models/platform imports nothing of the project', () => {
    expect(violations((f, t) => f === 'models/platform' && t !== 'models/platform')).toEqual([]);
  });

  it('models/backend imports only platform', () => {
    expect(violations((f, t) => f === 'models/backend' && t !== 'models/platform' && t !== 'models/backend')).toEqual(
      [],
    );
  });

  it('a model imports platform and backend types, never another model, never the harness', () => {
    expect(
      violations((f, t) => {
        if (!MODELS.some((m) => f === `models/${m}`)) return false;
        return t !== f && t !== 'models/platform' && t !== 'models/backend';
      }),
    ).toEqual([]);
  });

  it('workloads import platform only', () => {
    expect(violations((f, t) => f === 'workloads' && t !== 'workloads' && t !== 'models/platform')).toEqual([]);
  });

  it('reports import no model, workload or harness code (only the result schema)', () => {
    expect(violations((f, t, to) => f === 'reports' && t !== 'reports' && !to.startsWith('harness/results/'))).toEqual(
      [],
    );
  });

  it('has no import cycles', () => {
    expect(cycles(edges)).toEqual([]);
  });
});
