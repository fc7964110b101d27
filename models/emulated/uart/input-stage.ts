/**
 * Guest-side staging of received bytes: the driver collects what it reads from RBR and hands it
 * to the console's input handler from a guest buffer (ConsolePort.onInput: bytes valid only
 * during the call). Preallocated once; nothing is allocated per byte.
 */
import type { GuestPlatform } from '../../platform/machine.js';

/** Bytes handed to the input handler at most per call (a tty flip-buffer-sized chunk). */
export const INPUT_CHUNK_BYTES = 256;

export type InputHandler = (addr: number, len: number) => void;

export class InputStage {
  /** Bytes passed to a handler. */
  delivered = 0;
  /** Bytes read while no handler was installed (dropped). */
  unclaimed = 0;
  private readonly staged = new Uint8Array(INPUT_CHUNK_BYTES);
  private count = 0;
  private readonly addr: number;
  private handler: InputHandler | undefined;

  constructor(private readonly guest: GuestPlatform) {
    this.addr = guest.alloc.alloc(INPUT_CHUNK_BYTES, 64);
  }

  get hasHandler(): boolean {
    return this.handler !== undefined;
  }

  setHandler(handler: InputHandler): void {
    this.handler = handler;
  }

  push(byte: number): void {
    this.staged[this.count++] = byte;
    if (this.count === INPUT_CHUNK_BYTES) this.flush();
  }

  /** Hand what is staged to the handler (stored in guest memory first: it reads guest addresses). */
  flush(): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    const handler = this.handler;
    if (handler === undefined) {
      this.unclaimed += n;
      return;
    }
    // The driver's own store of register values into its buffer: guest CPU work, not a crossing.
    this.guest.mem.store(this.addr, this.staged, 0, n);
    this.delivered += n;
    handler(this.addr, n);
  }
}
