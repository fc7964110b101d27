/**
 * Completion callbacks found while a submission is being placed (an opportunistic reclaim inside
 * `send`/`write`) run only after that submission is queued, so work a callback submits can never
 * overtake it; they run in completion order, and callbacks they trigger join the same queue.
 */
export class DeferredCompletions {
  private depth = 0;
  private running = false;
  private readonly queue: (() => void)[] = [];

  /** Open a submission: completions seen from here on are held. */
  hold(): void {
    this.depth++;
  }

  /** Close a submission; the outermost close runs what was held. */
  release(): void {
    if (--this.depth > 0 || this.running) return;
    this.running = true;
    try {
      for (let i = 0; i < this.queue.length; i++) (this.queue[i] as () => void)();
    } finally {
      this.queue.length = 0;
      this.running = false;
    }
  }

  /** Run `done` now, or after the submission being placed. */
  complete(done: () => void): void {
    if (this.depth > 0 || this.running) this.queue.push(done);
    else done();
  }
}
