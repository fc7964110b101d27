/**
 * A 16550A FIFO: 16 bytes in a preallocated ring. Indices wrap with a mask and the count is
 * checked before every push and pop, so no sequence of accesses can index outside it
 * (trap-emulate.md §8 H1). Overflow policy is the caller's: the receiver drops the new byte,
 * the transmitter drops the oldest (trap-emulate.md §2 "FIFO").
 */
import { UART_FIFO_BYTES } from './registers.js';

const MASK = UART_FIFO_BYTES - 1;

export class UartFifo {
  private readonly bytes = new Uint8Array(UART_FIFO_BYTES);
  private head = 0;
  private size = 0;

  get count(): number {
    return this.size;
  }

  get isFull(): boolean {
    return this.size === UART_FIFO_BYTES;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** Append one byte; false (nothing stored) when full. */
  push(byte: number): boolean {
    if (this.size === UART_FIFO_BYTES) return false;
    this.bytes[(this.head + this.size) & MASK] = byte;
    this.size++;
    return true;
  }

  /** Remove and return the oldest byte; 0 when empty (callers check first). */
  pop(): number {
    if (this.size === 0) return 0;
    const byte = this.bytes[this.head] as number;
    this.head = (this.head + 1) & MASK;
    this.size--;
    return byte;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
