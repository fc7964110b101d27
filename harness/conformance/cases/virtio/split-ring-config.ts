/**
 * Hostile split-ring configuration (specs/virtio.md §10 H17–H19, H25): sizes and ring addresses
 * are validated before any ring arithmetic, by DeviceRing.validateConfig and the constructor alike.
 */
import { DeviceRing } from '../../../../models/virtio/ring/device-ring.js';
import { VirtqueueError, type VirtqueueErrorCode } from '../../../../models/virtio/ring/errors.js';
import { ensure, expectEqual, expectMatch, expectThrows } from '../../assert.js';
import type { ConformanceCase } from '../../case.js';
import { layoutRing, type RingAreas } from '../../support/virtq-builder.js';
import { hostile, memories, RING_BASE, ringCase } from './hostile-rig.js';

/** Both validators refuse the configuration with `code`. */
function expectConfigFault(size: number, addrs: RingAreas, code: VirtqueueErrorCode): void {
  const host = memories(1 << 16).host;
  const problem = DeviceRing.validateConfig(host, size, addrs);
  ensure(problem !== undefined, `validateConfig accepts size ${size} at ${JSON.stringify(addrs)}`);
  expectMatch(problem, new RegExp(`^${code}: `), 'validateConfig verdict');
  const err = expectThrows(
    () => new DeviceRing(host, size, addrs, { eventIdx: false, indirect: false }),
    VirtqueueError,
    `DeviceRing with size ${size}`,
  );
  expectEqual(err.code, code, 'constructor error code');
}

const configAreas = layoutRing(RING_BASE, 8);

export const SPLIT_RING_CONFIG_CASES: readonly ConformanceCase[] = [
  ringCase(
    'H25',
    'queue size 0 is refused before any ring arithmetic',
    hostile('H25', '§2.7', 'a zero queue size never reaches modulo arithmetic'),
    () => expectConfigFault(0, configAreas, 'H25'),
  ),

  ringCase(
    'H17',
    'sizes that are not a power of two in 1..32768 are refused',
    hostile('H17', '§2.7', 'queue sizes are powers of two up to 32768'),
    () => {
      for (const size of [3, 6, 1.5, -8, 65536, 2 ** 16 + 2, Number.NaN]) expectConfigFault(size, configAreas, 'H17');
      const host = memories(1 << 16).host;
      for (const size of [1, 2, 8, 1024]) {
        expectEqual(DeviceRing.validateConfig(host, size, configAreas), undefined, `validateConfig of size ${size}`);
      }
    },
  ),

  ringCase(
    'H18',
    'areas not aligned 16 / 2 / 4 are refused',
    hostile('H18', '§2.7.1', 'ring areas are aligned 16 / 2 / 4'),
    () => {
      expectConfigFault(8, { ...configAreas, desc: configAreas.desc + 8 }, 'H18');
      expectConfigFault(8, { ...configAreas, avail: configAreas.avail + 1 }, 'H18');
      expectConfigFault(8, { ...configAreas, used: configAreas.used + 2 }, 'H18');
    },
  ),

  ringCase(
    'H19',
    'areas outside guest RAM are refused',
    hostile('H19', '§2.7', 'ring areas lie inside guest RAM'),
    () => {
      expectConfigFault(8, { ...configAreas, desc: (1 << 16) - 64 }, 'H19');
      expectConfigFault(8, { ...configAreas, avail: (1 << 16) - 2 }, 'H19');
      expectConfigFault(8, { ...configAreas, used: 2 ** 40 }, 'H19');
    },
  ),
];
