/**
 * Acknowledgements first. When a burst of events arrives, the answers' own work (Slack calls, model
 * streams) would otherwise interleave with reading and acknowledging the rest of the burst, and
 * Slack retries anything not acknowledged within 3 seconds. Answers therefore wait, briefly and
 * with a cap, until no request is being received before they start.
 */
import type { Server } from 'node:http';

export class AckFirstGate {
  private receiving = 0;
  private lastArrival = 0;

  /**
   * @param maxWaitMs cap on how long an answer may wait.
   * @param settleMs a burst's requests arrive over a few milliseconds: the gate stays closed until
   *   none has arrived for this long, so it does not open in a gap inside one burst.
   */
  constructor(
    private readonly maxWaitMs = 1000,
    private readonly settleMs = 8,
  ) {}

  /** Count requests on an HTTP server from arrival until their response is done. */
  watch(server: Server): void {
    server.on('request', (_req, res) => {
      this.receiving += 1;
      this.lastArrival = Date.now();
      res.once('close', () => {
        this.receiving -= 1;
      });
    });
  }

  /** Resolves once no request is being received, or after `maxWaitMs` at most. */
  async quiet(): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const now = Date.now();
      if (now >= deadline) return;
      if (this.receiving > 0) {
        // setImmediate lets pending I/O (the rest of the burst) run before we look again.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if (now - this.lastArrival < this.settleMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, this.settleMs - (now - this.lastArrival)));
      } else {
        return;
      }
    }
  }
}
