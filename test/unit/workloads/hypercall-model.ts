/**
 * `hcall` — a minimal test model for net, console and entropy: each guest operation is one
 * hypercall carrying guest-physical addresses; the host half moves the bytes between guest
 * memory and the reference backend; received frames and console input come back as an MSI
 * whose handler reads a length word the host wrote into guest memory. Guest and host share only
 * guest memory, hypercalls and the interrupt, so workloads can be tested in isolation
 * from any real transport.
 */
import type {
  ByteReceiver,
  ConsoleBackend,
  EntropyBackend,
  FrameReceiver,
  NetBackend,
} from '../../../models/platform/backend-api.js';
import { MSI_ADDRESS_BASE } from '../../../models/platform/interrupts.js';
import type { GuestPlatform, HostPlatform } from '../../../models/platform/machine.js';
import type { HostDevice, Model, ModelConfig, Support } from '../../../models/platform/model.js';
import type { ConsolePort, DeviceClass, EntropyPort, NetPort, PortFor } from '../../../models/platform/ports.js';

/** Hypercall numbers (ours). */
export const Hcall = {
  consoleWrite: 0x100,
  entropyRead: 0x200,
  netTransmit: 0x300,
  /** a0 = rx buffer, a1 = its size, a2 = length word, a3 = MSI data (vector). */
  netArmRx: 0x301,
  /** Console input buffer, same arguments as netArmRx. */
  consoleArmRx: 0x101,
} as const;

/** Entropy reads the hcall port takes at once (declared as `maxInflight`, see workloads/job.ts). */
export const HCALL_ENTROPY_DEPTH = 4;

const MTU = 1500;
const FRAME_MAX = MTU + 14;
/** Bytes delivered per console write hypercall / entropy read. */
const MAX_IO = 4096;

function createHost(cls: DeviceClass, host: HostPlatform, backend: unknown): HostDevice {
  const mem = host.mem;
  switch (cls) {
    case 'console': {
      const console = backend as ConsoleBackend;
      // The guest's armed input buffer, or none (then input waits in the backend).
      let rx: { addr: number; size: number; lengthWord: number; msiData: number } | undefined;
      const input: ByteReceiver = {
        room: () => rx?.size ?? 0,
        receive: (bytes, offset, length) => {
          const target = rx;
          if (target === undefined || length > target.size) return;
          rx = undefined;
          mem.write(target.addr, bytes, offset, length);
          // Input bytes land before the length word; the length word before the interrupt.
          mem.setU32(target.lengthWord, length);
          host.irq.msi(MSI_ADDRESS_BASE, target.msiData);
        },
      };
      console.setReceiver(input);
      host.registerHypercall(Hcall.consoleWrite, (addr, len) => {
        const at = mem.zeroCopy(addr, len);
        console.write(mem.bytes, at, len);
        return 0;
      });
      host.registerHypercall(Hcall.consoleArmRx, (addr, size, lengthWord, msiData) => {
        rx = { addr, size, lengthWord, msiData };
        console.rxReady();
        return 0;
      });
      break;
    }
    case 'entropy': {
      const entropy = backend as EntropyBackend;
      host.registerHypercall(Hcall.entropyRead, (addr, len) => entropy.read(mem.bytes, mem.zeroCopy(addr, len), len));
      break;
    }
    case 'net': {
      const net = backend as NetBackend;
      // The single receive buffer the guest armed, or none (then frames wait in the backend).
      let rx: { addr: number; size: number; lengthWord: number; msiData: number } | undefined;
      const receiver: FrameReceiver = {
        canReceive: () => rx !== undefined,
        receive: (bytes, offset, length) => {
          const target = rx;
          if (target === undefined || length > target.size) return;
          rx = undefined;
          mem.write(target.addr, bytes, offset, length);
          // Frame bytes land before the length word; the length word before the interrupt.
          mem.setU32(target.lengthWord, length);
          host.irq.msi(MSI_ADDRESS_BASE, target.msiData);
        },
      };
      net.setReceiver(receiver);
      host.registerHypercall(Hcall.netTransmit, (addr, len) => {
        net.transmit(mem.bytes, mem.zeroCopy(addr, len), len);
        return 0;
      });
      host.registerHypercall(Hcall.netArmRx, (addr, size, lengthWord, msiData) => {
        rx = { addr, size, lengthWord, msiData };
        net.rxReady();
        return 0;
      });
      break;
    }
    case 'block':
      throw new Error('hcall has no block device');
  }
  return { name: `hcall-${cls}` };
}

function consolePort(guest: GuestPlatform): ConsolePort {
  const rxBuffer = guest.alloc.alloc(MAX_IO, 64);
  const lengthWord = guest.alloc.alloc(4, 4);
  let handler: (addr: number, len: number) => void = () => {};
  const arm = (msiData: number): void => {
    guest.io.hypercall(Hcall.consoleArmRx, rxBuffer, MAX_IO, lengthWord, msiData);
  };
  const msi = guest.irq.allocMsi(() => {
    handler(rxBuffer, guest.mem.u32(lengthWord));
    arm(msi.data);
  });
  arm(msi.data);
  return {
    maxWrite: MAX_IO,
    maxInflight: 1,
    write(addr, len, done) {
      guest.io.hypercall(Hcall.consoleWrite, addr, len);
      guest.sched.after(0, done);
    },
    onInput(h) {
      handler = h;
    },
  };
}

function entropyPort(guest: GuestPlatform): EntropyPort {
  return {
    maxRead: MAX_IO,
    maxInflight: HCALL_ENTROPY_DEPTH,
    read(addr, len, done) {
      const n = guest.io.hypercall(Hcall.entropyRead, addr, len);
      guest.sched.after(0, () => done(n));
    },
  };
}

function netPort(guest: GuestPlatform): NetPort {
  const rxBuffer = guest.alloc.alloc(FRAME_MAX, 64);
  const lengthWord = guest.alloc.alloc(4, 4);
  let handler: (addr: number, len: number) => void = () => {};
  const arm = (msiData: number): void => {
    guest.io.hypercall(Hcall.netArmRx, rxBuffer, FRAME_MAX, lengthWord, msiData);
  };
  const msi = guest.irq.allocMsi(() => {
    const len = guest.mem.u32(lengthWord);
    handler(rxBuffer, len);
    arm(msi.data);
  });
  arm(msi.data);
  return {
    info: { mac: Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56), mtu: MTU, maxTxInflight: 64 },
    send(addr, len, done) {
      guest.io.hypercall(Hcall.netTransmit, addr, len);
      guest.sched.after(0, done);
    },
    onReceive(h) {
      handler = h;
    },
  };
}

export const hypercallModel: Model = {
  id: 'hcall',
  title: 'test-only hypercall transport for net, console and entropy',
  classes: { net: 'extension', console: 'extension', entropy: 'extension' },
  options: [],
  support(cls: DeviceClass, config: ModelConfig): Support {
    if (cls === 'block') return { ok: false, reason: 'hcall has no block device' };
    if (config.knobs.coalesce.kind !== 'none') return { ok: false, reason: 'hcall has no coalescing' };
    return { ok: true };
  },
  createHost<C extends DeviceClass>(cls: C, host: HostPlatform, backend: unknown): HostDevice {
    return createHost(cls, host, backend);
  },
  createGuest<C extends DeviceClass>(
    cls: C,
    guest: GuestPlatform,
    _config: ModelConfig,
    ready: (port: PortFor[C]) => void,
  ): void {
    guest.sched.after(0, () => {
      const port = cls === 'console' ? consolePort(guest) : cls === 'entropy' ? entropyPort(guest) : netPort(guest);
      ready(port as unknown as PortFor[C]);
    });
  },
};
