/**
 * virtio-rng guest driver: the EntropyPort of models/platform/ports.ts (virtio 1.2 §5.4.6;
 * specs/virtio.md §6.4). Each read is one device-writable descriptor; the byte count comes from
 * the used `len` (D24). On DEVICE_NEEDS_RESET the driver resets and re-initialises at once and
 * answers what was in flight with 0 bytes (D19).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import type { EntropyPort } from '../../platform/ports.js';
import { InFlight } from '../driver/in-flight.js';
import { DriverSession, type RecoveryHandler } from '../driver/session.js';
import { VirtioDeviceId } from '../layout.js';
import { queueSizeOption } from '../options.js';

/** Largest single read (bytes); any size up to 2^32 − 1 fits one descriptor, this keeps reads sane. */
export const RNG_MAX_READ = 65536;

const REQUEST_QUEUE = 0;

type Done = (n: number) => void;

export class VirtioRngDriver implements EntropyPort, RecoveryHandler {
  readonly maxRead = RNG_MAX_READ;
  /** Reads the driver can have outstanding (the ring size). */
  readonly maxInflight: number;
  /** The connection to the device: transport, queues, recovery (D19). */
  readonly session: DriverSession;
  private readonly dones: InFlight<Done>;
  private readonly lens: Uint32Array;

  /** Bring the device up (§3.1.1) and build the port; throws VirtioInitError when the device is unusable. */
  constructor(
    private readonly guest: GuestPlatform,
    config: ModelConfig,
  ) {
    this.session = new DriverSession(
      guest,
      config,
      {
        deviceType: VirtioDeviceId.RNG,
        driverFeatures: 0n,
        queues: [{ index: REQUEST_QUEUE, size: queueSizeOption(config), onUsed: this.onUsed }],
      },
      this,
    );
    this.maxInflight = this.session.ring(REQUEST_QUEUE).size;
    this.dones = new InFlight<Done>(this.maxInflight);
    this.lens = new Uint32Array(this.maxInflight);
  }

  read(addr: number, len: number, done: Done): void {
    const sendable =
      this.session.broken === undefined &&
      Number.isInteger(len) &&
      len >= 1 &&
      len <= this.maxRead &&
      this.guest.mem.inRange(addr, len);
    if (!sendable) {
      this.guest.sched.after(0, () => done(0));
      return;
    }
    const slot = this.dones.add(done);
    if (slot < 0) throw new Error(`virtio-rng: more than ${this.maxInflight} reads outstanding`);
    const ring = this.session.ring(REQUEST_QUEUE);
    ring.begin();
    ring.addWritable(addr, len); // D24: device-writable buffers only
    if (ring.commit(slot) < 0) {
      this.dones.remove(slot);
      throw new Error('virtio-rng: ring full below maxInflight');
    }
    this.lens[slot] = len;
    this.session.submitted(REQUEST_QUEUE);
  }

  /** D24: the count is the used len (never trusted beyond the buffer). */
  private readonly onUsed = (slot: number, usedLen: number): void => {
    this.dones.remove(slot)?.(Math.min(usedLen, this.lens[slot] as number));
  };

  abandonInFlight(): void {
    this.dones.abandonAll();
  }

  /** D19: reads that were in flight answer 0 bytes. */
  resume(): void {
    for (let slot = this.dones.nextAbandoned(); slot >= 0; slot = this.dones.nextAbandoned()) {
      this.dones.remove(slot)?.(0);
    }
  }
}
