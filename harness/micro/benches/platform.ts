/**
 * Hot paths of the shared platform contracts every model runs on: a port I/O exit through the
 * Bus (range lookup, metering, handler) and a metered 4 KiB copy out of guest memory.
 */
import { Bus, DirectGuestIo } from '../../../models/platform/bus.js';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { Rng } from '../../../models/platform/rng.js';
import { type BatchTask, type MicroBenchmark, measureBatched } from '../measure.js';

const PIO_BASE = 0x3f8;
const PIO_WINDOWS = 8;
const PIO_WINDOW_BYTES = 8;
const PIO_STRIDE = 0x10;
/** Precomputed port sequence (a power of two, walked round-robin). */
const PORT_SEQUENCE = 1024;

/** One `out` then one `in` per operation, to seeded ports across eight mapped 8-aligned 8-byte register windows. */
export function busPioTask(seed: number): BatchTask {
  const meter = new Meter();
  const bus = new Bus(meter, (ring) => ring());
  const io = new DirectGuestIo(bus, new SabGuestMemory(SabGuestMemory.allocate(4096), meter, 'guest'));
  const regs = new Uint8Array(PIO_WINDOWS * PIO_WINDOW_BYTES);
  for (let w = 0; w < PIO_WINDOWS; w++) {
    const at = w * PIO_WINDOW_BYTES;
    bus.map(
      'pio',
      PIO_BASE + w * PIO_STRIDE,
      PIO_WINDOW_BYTES,
      {
        read: (offset) => regs[at + offset] as number,
        write: (offset, _size, value) => {
          regs[at + offset] = value;
        },
      },
      'user',
      `regs${w}`,
    );
  }
  const rng = new Rng(seed);
  const ports = new Uint16Array(PORT_SEQUENCE);
  for (let i = 0; i < PORT_SEQUENCE; i++) {
    ports[i] = PIO_BASE + rng.below(PIO_WINDOWS) * PIO_STRIDE + rng.below(PIO_WINDOW_BYTES);
  }
  let cursor = 0;
  return {
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        const port = ports[cursor] as number;
        cursor = (cursor + 1) & (PORT_SEQUENCE - 1);
        io.out(port, 1, i & 0xff);
        // Read the neighbouring register of the same window: the sink depends on the port sequence.
        sink += io.in(port ^ 1, 1);
      }
      return sink;
    },
  };
}

const COPY_BYTES = 4096;
const COPY_MEMORY = 8 * 1024 * 1024;
const COPY_SOURCES = 256;

/** One metered 4 KiB `read` from a seeded page of 8 MiB of seeded guest memory into a host buffer. */
export function guestCopyTask(seed: number): BatchTask {
  const mem = new SabGuestMemory(SabGuestMemory.allocate(COPY_MEMORY), new Meter(), 'host');
  const rng = new Rng(seed);
  rng.fill(mem.bytes);
  const pages = COPY_MEMORY / COPY_BYTES;
  const sources = new Float64Array(COPY_SOURCES);
  for (let i = 0; i < COPY_SOURCES; i++) sources[i] = rng.below(pages) * COPY_BYTES;
  const into = new Uint8Array(COPY_BYTES);
  let cursor = 0;
  return {
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        mem.read(sources[cursor] as number, COPY_BYTES, into, 0);
        cursor = (cursor + 1) & (COPY_SOURCES - 1);
        sink += into[i & (COPY_BYTES - 1)] as number;
      }
      return sink;
    },
  };
}

export const PLATFORM_MICRO: readonly MicroBenchmark[] = [
  {
    id: 'platform/bus-pio-dispatch',
    model: 'platform',
    title: 'Bus port I/O: out + in to one of 8 mapped register windows (range lookup, exit metering, handler)',
    params: { windows: PIO_WINDOWS, accessBytes: 1 },
    measure: (o) => measureBatched(busPioTask(o.seed), o),
  },
  {
    id: 'platform/guest-memory-copy-4k',
    model: 'platform',
    title: 'GuestMemory.read of 4 KiB (bounds check, copy, copy metering)',
    params: { bytes: COPY_BYTES, memoryBytes: COPY_MEMORY },
    measure: (o) => measureBatched(guestCopyTask(o.seed), o),
  },
];
