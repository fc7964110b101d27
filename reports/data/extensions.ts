/**
 * Matrix cells with no historical counterpart (DESIGN §1): vbus block/console/entropy and
 * Xen entropy. Reports import no model code (DESIGN §2), so the table is kept here as data;
 * it must follow DESIGN §1 if a model gains or loses an extension cell.
 */
import type { DeviceClass } from './runs.js';

/** The five models of DESIGN §1 in matrix order; results may hold others, shown after these. */
export const CANONICAL_MODELS = ['emulated', 'virtio', 'xen', 'p9', 'vbus'] as const;

export const MODEL_TITLES: Readonly<Record<string, string>> = {
  emulated: 'trap-and-emulate',
  virtio: 'virtio-PCI',
  xen: 'Xen split rings',
  p9: '9P over a shared ring',
  vbus: 'vbus',
};

// DESIGN §1: "A cell marked *extension* has no historical counterpart: reports must label it so."
export const EXTENSION_CELLS: Readonly<Record<string, readonly DeviceClass[]>> = {
  vbus: ['block', 'console', 'entropy'],
  xen: ['entropy'],
};

export function isExtension(model: string, device: string): boolean {
  return (EXTENSION_CELLS[model] as readonly string[] | undefined)?.includes(device) ?? false;
}

/** Canonical models first (in DESIGN §1 order), then any other model id in order of appearance. */
export function orderModels(models: Iterable<string>): string[] {
  const seen = [...new Set(models)];
  const canonical = CANONICAL_MODELS.filter((m) => seen.includes(m));
  return [...canonical, ...seen.filter((m) => !(CANONICAL_MODELS as readonly string[]).includes(m))];
}
