/**
 * What a threads-engine worker runs once its bootstrap (worker.ts) has loaded it: register plug-in
 * models, then build and run its half. Returns the half's report; throws on failure.
 */
import type { Model } from '../../../models/platform/model.js';
import { findModel, MODELS } from '../../registry.js';
import { runGuestHalf } from './guest-half.js';
import { runHostHalf } from './host-half.js';
import { ThreadLink } from './link.js';
import type { GuestReport, HostReport, WorkerInit } from './protocol.js';

/** Register plug-in models in this thread's registry (models cross threads by id only). */
async function registerModels(init: WorkerInit): Promise<void> {
  for (const m of init.modelModules) {
    const loaded = ((await import(m.url)) as Record<string, unknown>)[m.export] as Model | undefined;
    if (loaded === undefined || typeof loaded.id !== 'string')
      throw new Error(`${m.url} has no model export ${m.export}`);
    if (findModel(loaded.id) === undefined) MODELS.push(loaded);
  }
}

export async function runWorker(init: WorkerInit): Promise<GuestReport | HostReport> {
  await registerModels(init);
  const link = new ThreadLink(init.link);
  return init.role === 'guest' ? runGuestHalf(init, link) : runHostHalf(init, link);
}
