import { describe, expect, it } from 'vitest';
import { ByteQueue, type ConsoleBackendOptions, createConsoleBackend } from '../../../models/backend/index.js';
import type { ByteReceiver } from '../../../models/platform/backend-api.js';
import { env } from './helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A device stand-in with a settable amount of room. */
class TestInput implements ByteReceiver {
  readonly chunks: { at: number; bytes: Uint8Array }[] = [];
  space = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number) {}

  room(): number {
    return this.space;
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    if (length > this.space) throw new Error(`receive ${length} > room ${this.space}`);
    this.space -= length;
    this.chunks.push({ at: this.now(), bytes: bytes.slice(offset, offset + length) });
  }

  get received(): string {
    return this.chunks.map((c) => str(c.bytes)).join('');
  }
}

function console_(opts: ConsoleBackendOptions) {
  const e = env();
  const backend = createConsoleBackend(opts, e.sched, e.meter);
  const input = new TestInput(() => e.sched.now());
  return { ...e, backend, input };
}

describe('console backend: output', () => {
  it('keeps output up to the cap and counts the rest', () => {
    const { backend } = console_({ outputCap: 8 });
    const hello = text('hello, world');
    backend.write(hello, 0, 5);
    backend.write(hello, 5, 7);
    expect(str(backend.output())).toBe('hello, w');
    expect(backend.stats).toMatchObject({ writes: 2, bytesOut: 12, bytesOutDiscarded: 4 });
  });
});

describe('console backend: input', () => {
  it('types scripted keystrokes one every charIntervalNs', () => {
    const { sched, backend, input } = console_({ input: text('ls\n'), charIntervalNs: 1000 });
    backend.setReceiver(input);
    sched.run();
    expect(input.received).toBe('ls\n');
    expect(input.chunks.map((c) => c.at)).toEqual([1000, 2000, 3000]);
    expect(backend.stats.bytesIn).toBe(3);
  });

  it('delivers only what room() allows and resumes on rxReady', () => {
    const { sched, backend, input } = console_({ input: text('abcdefgh') });
    input.space = 3;
    backend.setReceiver(input);
    sched.run();
    expect(input.received).toBe('abc');
    input.space = 0;
    backend.rxReady();
    sched.run();
    expect(input.received).toBe('abc');
    input.space = 100;
    backend.rxReady();
    expect(input.received).toBe('abc'); // deferred to the scheduler, never inside rxReady
    sched.run();
    expect(input.received).toBe('abcdefgh');
  });

  it('stalls the script while the input queue is full, then types the rest in order', () => {
    const { sched, backend, input } = console_({ input: text('0123456789'), inputQueueBytes: 4 });
    input.space = 0;
    backend.setReceiver(input);
    sched.run();
    expect(backend.scriptRemaining).toBe(6);
    input.space = 2;
    backend.rxReady();
    sched.run();
    expect(input.received).toBe('01');
    input.space = 1000;
    backend.rxReady();
    sched.run();
    expect(input.received).toBe('0123456789');
    expect(backend.stats.inputDropped).toBe(0);
  });

  it('echoes every output byte back as input, after the write returns', () => {
    const { sched, backend, input } = console_({ echo: true });
    backend.setReceiver(input);
    backend.write(text('ping'), 0, 4);
    expect(input.received).toBe('');
    sched.run();
    expect(input.received).toBe('ping');
    expect(str(backend.output())).toBe('ping');
  });

  it('drops echo bytes that do not fit the input queue and counts them', () => {
    const { sched, backend, input } = console_({ echo: true, inputQueueBytes: 4 });
    input.space = 0;
    backend.setReceiver(input);
    backend.write(text('abcdef'), 0, 6);
    sched.run();
    expect(backend.stats.inputDropped).toBe(2);
    input.space = 10;
    backend.rxReady();
    sched.run();
    expect(input.received).toBe('abcd');
  });

  it('delivers in order across the queue wrap point', () => {
    const { sched, backend, input } = console_({ echo: true, inputQueueBytes: 5 });
    input.space = 0;
    backend.setReceiver(input);
    backend.write(text('abc'), 0, 3);
    sched.run();
    input.space = 3;
    backend.rxReady();
    sched.run();
    input.space = 0;
    backend.write(text('defg'), 0, 4); // wraps inside the 5-byte queue
    sched.run();
    input.space = 10;
    backend.rxReady();
    sched.run();
    expect(input.received).toBe('abcdefg');
    expect(input.chunks.length).toBeGreaterThan(2); // the wrap split one delivery in two
  });
});

describe('ByteQueue', () => {
  it('refuses bytes when full and exposes contiguous runs', () => {
    const q = new ByteQueue(3);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([true, true, true, false]);
    q.consume(2);
    q.push(5);
    expect(q.contiguous()).toBe(1); // [3] up to the wrap, then [5]
    expect(q.storage[q.headOffset]).toBe(3);
    q.consume(1);
    expect(q.storage[q.headOffset]).toBe(5);
    expect(() => q.consume(2)).toThrow(RangeError);
  });
});
