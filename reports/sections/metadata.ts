/**
 * Run metadata (measurement.md §5.4: each field has caused false alarms when missing):
 * engine, cost profile, seed, environment, commit, and the command that reproduces the run.
 */
import type { ResultDocument } from '../../harness/results/schema.js';
import type { RunIndex } from '../data/run-index.js';
import { formatNumber } from '../format.js';
import type { RunStamp, Section } from '../model.js';

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function runStamp(doc: ResultDocument, index: RunIndex): RunStamp {
  return {
    runId: doc.run?.startedAt ?? doc.env.createdAt,
    commit: doc.env.commit === null ? 'unknown' : `${doc.env.commit}${doc.env.dirty === true ? ' (dirty)' : ''}`,
    profile: index.view?.profile ?? 'none',
    engine: doc.run?.engine ?? unique(doc.runs.map((r) => r.engine)).join(', '),
    seed: index.view === undefined ? 'none' : String(index.view.seed),
  };
}

export function metadataSection(doc: ResultDocument, name: string, index: RunIndex): Section {
  const env = doc.env;
  const profiles = unique(doc.runs.map((r) => `${r.profile.id} (sha256 ${r.profile.sha256.slice(0, 12)}…)`));
  const seeds = unique(doc.runs.map((r) => r.seed));
  const status = { ok: 0, unsupported: 0, error: 0 };
  for (const r of doc.runs) status[r.status]++;
  const items: { term: string; text: string; state?: string }[] = [
    { term: 'results file', text: name },
    { term: 'engine', text: doc.run?.engine ?? unique(doc.runs.map((r) => r.engine)).join(', ') },
    { term: 'cost profile', text: profiles.join('; ') || 'none' },
    { term: 'seed', text: seeds.join(', ') || 'none' },
    {
      term: 'runs',
      text: `${doc.runs.length} (${status.ok} ok, ${status.unsupported} unsupported, ${status.error} error)`,
      ...(status.error > 0 ? { state: 'error' } : {}),
    },
    {
      term: 'commit',
      text: env.commit === null ? 'unknown (not a git work tree)' : `${env.commit}${env.dirty ? ' (dirty)' : ''}`,
      ...(env.dirty === true ? { state: 'unsupported' } : {}),
    },
    { term: 'created', text: env.createdAt },
    { term: 'node / V8', text: `${env.node} / ${env.v8}${env.execArgv?.length ? ` ${env.execArgv.join(' ')}` : ''}` },
    {
      term: 'platform',
      text: `${env.platform} ${env.arch}${env.kernel === undefined ? '' : `, kernel ${env.kernel}`}`,
    },
    {
      term: 'CPU',
      text: `${env.cpuModel || 'unknown'} × ${env.cpus}${env.cores === undefined ? '' : ` (${env.cores} usable)`}`,
    },
  ];
  if (env.memBytes !== undefined) items.push({ term: 'memory', text: `${formatNumber(env.memBytes / 2 ** 30)} GiB` });
  if (env.loadavg !== undefined) items.push({ term: 'load average', text: env.loadavg.join(' ') });
  if (env.governor !== undefined) items.push({ term: 'cpufreq governor', text: env.governor ?? 'not readable' });
  if (env.ci !== undefined) items.push({ term: 'CI', text: env.ci ? 'yes' : 'no' });
  if (doc.run !== undefined) {
    items.push({ term: 'started / finished', text: `${doc.run.startedAt} / ${doc.run.finishedAt}` });
    items.push({
      term: 'jobs / repeat / shard',
      text: `${doc.run.jobs} / ${doc.run.repeat} / ${doc.run.shard === null ? 'whole matrix' : `${doc.run.shard.index} of ${doc.run.shard.count}`}`,
    });
    items.push({ term: 'environment hash', text: doc.run.env_hash });
    items.push({ term: 'reproduce', text: `ringside ${doc.run.argv.map(shellWord).join(' ')}` });
  }
  if (doc.shards !== undefined) {
    items.push({
      term: 'merged from',
      text: doc.shards.map((s) => `${s.file} (${s.env.commit ?? 'no commit'})`).join('; '),
    });
  }
  const blocks: Section['blocks'][number][] = [{ kind: 'facts', items }];
  if (index.excluded > 0 && index.view !== undefined) {
    blocks.push({
      kind: 'note',
      text:
        `Charts and the matrix show profile ${index.view.profile}, seed ${index.view.seed}; ` +
        `${index.excluded} run(s) under other profiles or seeds are in the embedded data only.`,
    });
  }
  return { id: 'metadata', title: 'Run', blocks };
}
