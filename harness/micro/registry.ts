/**
 * Every microbenchmark `ringside micro` knows, in run order. A model adds its hot paths by
 * exporting a `readonly MicroBenchmark[]` from harness/micro/benches/<model>.ts and listing it here.
 */
import { PLATFORM_MICRO } from './benches/platform.js';
import { VIRTIO_MICRO } from './benches/virtio.js';
import type { MicroBenchmark } from './measure.js';

export const MICRO_BENCHMARKS: readonly MicroBenchmark[] = [...PLATFORM_MICRO, ...VIRTIO_MICRO];

export function findMicro(id: string): MicroBenchmark | undefined {
  return MICRO_BENCHMARKS.find((b) => b.id === id);
}
