/**
 * Acknowledgements first. When a burst of events arrives, the answers' own work (Slack calls, model
 * streams) would otherwise interleave with reading and acknowledging the rest of the burst, and
 * Slack retries anything not acknowledged within 3 seconds. Answers therefore wait, briefly and
 * with a cap, until no request is being received before they start.
 */
import type { Server } from 'node:http';

export class AckFirstGate {
  private receiving = 0;

  constructor(private readonly maxWaitMs = 1000) {}

  /** Count requests on an HTTP server from arrival until their response is done. */
  watch(server: Server): void {
    server.on('request', (_req, res) => {
      this.receiving += 1;
      res.once('close', () => {
        this.receiving -= 1;
      });
    });
  }

  /** Requests being received right now. */
  get pending(): number {
    return this.receiving;
  }

  /** Resolves once no request is being received, or after `maxWaitMs` at most. */
  async quiet(): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    // setImmediate lets pending I/O (the rest of the burst) run before we look again.
    while (this.receiving > 0 && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
