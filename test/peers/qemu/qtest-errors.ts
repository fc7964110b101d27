/** Errors of the qtest client and the platform adapter built on it. */

export class QtestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QtestError';
  }
}

/** QEMU answered `FAIL …`. The stream stays aligned; later commands still work. */
export class QtestCommandFailed extends QtestError {
  readonly command: string;
  readonly reply: string;
  constructor(command: string, reply: string) {
    super(`qtest command "${command}" failed: ${reply}`);
    this.name = 'QtestCommandFailed';
    this.command = command;
    this.reply = reply;
  }
}

export class QtestTimeout extends QtestError {
  constructor(command: string, timeoutMs: number, pid: number | undefined) {
    super(`qtest command "${command}" got no reply within ${timeoutMs} ms (QEMU pid ${pid}); QEMU was killed`);
    this.name = 'QtestTimeout';
  }
}

export class QemuMissing extends QtestError {
  constructor(binary: string) {
    super(`${binary} not found on PATH: the QEMU peer tests need it (Debian/Ubuntu: apt-get install qemu-system-x86)`);
    this.name = 'QemuMissing';
  }
}
