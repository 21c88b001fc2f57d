/**
 * Running answers that their asker may stop. The answers live in this process; with a relay (Redis),
 * a click on an answer this replica is not writing is passed to the replica that is.
 */
import type { StopRelay, StopResult } from '../scale/shared-state.js';

export class StopRegistry {
  private readonly running = new Map<string, { controller: AbortController; userId: string }>();

  constructor(private readonly relay?: StopRelay) {
    relay?.serve((key, userId) => this.stopHere(key, userId));
  }

  /** A new answer: its key (for the Stop button) and the signal the pipeline watches. */
  register(key: string, userId: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(key, { controller, userId });
    return controller.signal;
  }

  done(key: string): void {
    this.running.delete(key);
  }

  /** `stopped` when it was running (here or, with a relay, on another replica) and the user is its asker. */
  async stop(key: string, userId: string): Promise<StopResult> {
    const result = this.stopHere(key, userId);
    if (result !== 'not_running' || this.relay === undefined) return result;
    return this.relay.request(key, userId);
  }

  private stopHere(key: string, userId: string): StopResult {
    const entry = this.running.get(key);
    if (entry === undefined) return 'not_running';
    if (entry.userId !== userId) return 'not_yours';
    entry.controller.abort();
    this.running.delete(key);
    return 'stopped';
  }
}
