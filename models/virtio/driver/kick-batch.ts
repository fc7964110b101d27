/**
 * Kick batching (specs/virtio.md §8 "Kick batching"; Linux blk-mq `bd->last`): while a batch is open —
 * an interrupt handler draining completions, a recovery, a burst of receive buffers — submissions only
 * commit; leaving the outermost level publishes every queue with new chains and takes one §3.4 kick
 * decision each, so a drain of k completions that resubmits k requests costs one kick.
 */

/** A queue with deferred work: publish and take the kick decision (QueueDriver). */
export interface Flushable {
  flush(): void;
}

export class KickBatch {
  private depth = 0;
  private readonly queues: Flushable[] = [];

  /** Queues flushed when the outermost batch ends. */
  add(queue: Flushable): void {
    this.queues.push(queue);
  }

  get deferring(): boolean {
    return this.depth > 0;
  }

  enter(): void {
    this.depth++;
  }

  leave(): void {
    if (--this.depth > 0) return;
    for (const q of this.queues) q.flush();
  }
}
