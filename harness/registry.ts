/**
 * The model registry. The harness is the only layer that knows every model (DESIGN §2);
 * workloads have their own registry in workloads/index.ts. `MODELS` is an array so a
 * model folder can be added by one line (and tests or plug-ins may push their own).
 */

import { emulatedModel } from '../models/emulated/index.js';
import type { Model } from '../models/platform/model.js';
import { virtioModel } from '../models/virtio/index.js';

export const MODELS: Model[] = [emulatedModel, virtioModel];

/** The model `bench` runs when `--model` is omitted. */
export const DEFAULT_MODEL = 'virtio';

export function findModel(id: string, models: readonly Model[] = MODELS): Model | undefined {
  return models.find((m) => m.id === id);
}

export { DEFAULT_WORKLOAD, findWorkload, WORKLOADS } from '../workloads/index.js';
