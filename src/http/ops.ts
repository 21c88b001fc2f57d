/**
 * Operations endpoints: `/healthz` (the process is up), `/readyz` (it takes work: not draining, and
 * every dependency answers; 503 naming what is down) and `/metrics` (Prometheus text). Served as
 * Bolt `customRoutes` on the HTTP receiver, or on their own port (OPS_PORT) in Socket Mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../metrics.js';

/** A dependency /readyz checks: `check` resolves when it answers. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface OpsState {
  checks: readonly ReadinessCheck[];
  metrics: Metrics;
  /** True once the app serves Slack and until a drain starts. */
  accepting(): boolean;
  /** Bound on each check, so a hung dependency reads as down instead of hanging the probe. */
  checkTimeoutMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is down, by name; empty when ready. */
export async function readinessProblems(state: OpsState): Promise<Record<string, string>> {
  const problems: Record<string, string> = {};
  if (!state.accepting()) problems.app = 'draining or not started: not taking new work';
  await Promise.all(
    state.checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), state.checkTimeoutMs ?? 2_000);
      } catch (error) {
        problems[name] = error instanceof Error ? error.message : String(error);
      }
    }),
  );
  return problems;
}

export function opsHandlers(state: OpsState): Record<'/healthz' | '/readyz' | '/metrics', Handler> {
  return {
    '/healthz': (_req, res) => sendJson(res, 200, { ok: true }),
    '/readyz': (_req, res) => {
      void readinessProblems(state).then((down) => {
        const ok = Object.keys(down).length === 0;
        sendJson(res, ok ? 200 : 503, ok ? { ok, checks: state.checks.map((c) => c.name) } : { ok, down });
      });
    },
    '/metrics': (_req, res) => {
      state.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': state.metrics.contentType });
          res.end(text);
        },
        (error: unknown) => sendJson(res, 500, { ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    },
  };
}

/** The same endpoints as Bolt custom routes (HTTP receiver). */
export function opsRoutes(state: OpsState): Array<{ path: string; method: string[]; handler: Handler }> {
  return Object.entries(opsHandlers(state)).map(([path, handler]) => ({ path, method: ['GET'], handler }));
}

/** The endpoints on their own port (Socket Mode has no HTTP server of its own). */
export async function startOpsServer(state: OpsState, port: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const handlers = opsHandlers(state) as Record<string, Handler | undefined>;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = req.method === 'GET' ? handlers[path] : undefined;
    if (handler === undefined) sendJson(res, 404, { ok: false, error: 'not found' });
    else handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
