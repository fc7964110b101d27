/** Split virtqueue mechanics: driver side, device side and their shared vocabulary. */
export { type BarrierHook, OrderingPoint, publishBarrier } from './barriers.js';
export { DescriptorChain } from './descriptor-chain.js';
export { DeviceRing, type DeviceRingOptions } from './device-ring.js';
export { DriverRing, type DriverRingOptions, type InterruptSuppression } from './driver-ring.js';
export {
  VirtqueueDriverError,
  type VirtqueueDriverErrorCode,
  VirtqueueError,
  type VirtqueueErrorCode,
} from './errors.js';
export { type IndirectPool, IndirectTables } from './indirect-tables.js';
export { type RingAccess, ringAccess } from './ring-access.js';
export { isValidQueueSize, type RingAddresses, type RingConfigFault, ringConfigFault } from './ring-config.js';
export * from './split-layout.js';
