/**
 * Running answers that their asker may stop. The registry lives in this process: a Stop click that
 * reaches another replica finds nothing here and says the answer is no longer running there.
 */
export class StopRegistry {
  private readonly running = new Map<string, { controller: AbortController; userId: string }>();

  /** A new answer: its key (for the Stop button) and the signal the pipeline watches. */
  register(key: string, userId: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(key, { controller, userId });
    return controller.signal;
  }

  done(key: string): void {
    this.running.delete(key);
  }

  /** `stopped` when it was running and the user is its asker. */
  stop(key: string, userId: string): 'stopped' | 'not_running' | 'not_yours' {
    const entry = this.running.get(key);
    if (entry === undefined) return 'not_running';
    if (entry.userId !== userId) return 'not_yours';
    entry.controller.abort();
    this.running.delete(key);
    return 'stopped';
  }
}
