/**
 * Progress on stderr (measurement.md §8.2): on a terminal, one bar redrawn in place with the
 * cells done, elapsed time, an ETA and the cell being run; elsewhere (a pipe, a log file, or
 * `CI` set) one plain line per finished cell; nothing at all with `--quiet`. The ETA is the
 * average wall time per finished cell so far, times the cells left — it already reflects
 * parallel workers, since it is measured on the wall clock.
 */

export type ProgressMode = 'bar' | 'lines' | 'quiet';

export interface ProgressEnv {
  readonly quiet: boolean;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function progressMode(p: ProgressEnv): ProgressMode {
  if (p.quiet) return 'quiet';
  const ci = p.env.CI !== undefined && p.env.CI !== '' && p.env.CI !== 'false';
  return p.isTTY && !ci && p.env.TERM !== 'dumb' ? 'bar' : 'lines';
}

/** `m:ss` (or `h:mm:ss`). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const BAR_WIDTH = 24;
/** Erase the terminal line and return to its start (ECMA-48 EL, CR). */
const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private done = 0;
  private readonly startedMs: number;
  private current = '';
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    readonly mode: ProgressMode,
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
    private readonly columns = 80,
  ) {
    this.startedMs = now();
  }

  /** A cell started (the bar shows it; plain lines wait for its end). */
  begin(label: string): void {
    this.current = label;
    if (this.mode === 'bar') this.draw();
  }

  /** A cell (or one repeat of it) finished. */
  end(label: string, status: string, wallMs: number, note = ''): void {
    this.done++;
    if (this.mode === 'lines') {
      const extra = note === '' ? '' : ` ${note}`;
      this.write(`[${this.done}/${this.total}] ${label}: ${status} (${(wallMs / 1000).toFixed(1)} s)${extra}\n`);
    } else if (this.mode === 'bar') {
      if (status !== 'ok' && status !== 'unsupported') this.above(`${label}: ${status}`);
      this.draw();
    }
  }

  /** A line that must stay visible (a warning): printed above the bar. */
  above(text: string): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'bar' && this.drawn) this.write(CLEAR_LINE);
    this.write(`${text}\n`);
    if (this.mode === 'bar' && this.drawn) this.draw();
  }

  /** Seconds left at the current pace, or undefined before the first cell finishes. */
  eta(): number | undefined {
    if (this.done === 0) return undefined;
    const elapsed = (this.now() - this.startedMs) / 1000;
    return (elapsed / this.done) * (this.total - this.done);
  }

  /** Remove the bar and print the closing summary line. */
  finish(summary: string): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'bar' && this.drawn) this.write(CLEAR_LINE);
    this.drawn = false;
    if (summary !== '') this.write(`${summary}\n`);
  }

  /** Wall seconds since the progress started. */
  elapsed(): number {
    return (this.now() - this.startedMs) / 1000;
  }

  private draw(): void {
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const filled = Math.round(fraction * BAR_WIDTH);
    const eta = this.eta();
    const text =
      `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total} ` +
      `${Math.floor(fraction * 100)}% ${clock(this.elapsed())} ETA ${eta === undefined ? '-:--' : clock(eta)}` +
      (this.current === '' || this.done === this.total ? '' : `  ${this.current}`);
    this.write(`${CLEAR_LINE}${text.slice(0, Math.max(20, this.columns - 1))}`);
    this.drawn = true;
  }
}
