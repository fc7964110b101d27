/**
 * The device's queue-service loop, shared by net and console: QEMU's handler shape (specs/virtio.md
 * §3.5) — disable kicks, pop until empty, re-enable, re-check — with every ring fault turned into
 * NEEDS_RESET instead of an exception (virtio 1.2 §2.1.2; specs/virtio.md §10).
 */
import { GuestMemoryFault } from '../../platform/memory.js';
import type { ActiveDevice } from '../device-logic.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { VirtqueueError } from '../ring/errors.js';

/** The reason recorded when a device stops on `error`. */
export function faultReason(error: unknown): string {
  if (error instanceof VirtqueueError || error instanceof GuestMemoryFault) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

export type ServeOutcome = 'drained' | 'stalled' | 'failed';

/**
 * Pop and handle every available chain of `ring`. `handle` may call `ctx.fail` for a protocol
 * violation, which stops the loop. When `ready` turns false (the backend cannot take more) the loop
 * stops with kicks still suppressed: the caller resumes it itself once the backend has room.
 */
export function serveQueue(
  ctx: ActiveDevice,
  ring: DeviceRing,
  chain: DescriptorChain,
  handle: (chain: DescriptorChain) => void,
  ready?: () => boolean,
): ServeOutcome {
  try {
    do {
      ring.disableNotifications();
      for (;;) {
        if (ready !== undefined && !ready()) return 'stalled';
        if (!ring.pop(chain)) break;
        handle(chain);
        if (!ctx.alive()) return 'failed';
      }
    } while (ring.enableNotifications());
    return 'drained';
  } catch (error) {
    ctx.fail(faultReason(error));
    return 'failed';
  }
}
