/**
 * /readyz while Redis goes away and comes back: the real app with REDIS_URL pointing at a TCP proxy on
 * 127.0.0.1 in front of the real Redis. Closing the proxy (and its connections) makes Redis unreachable
 * for every client of the app; listening again on the same port lets ioredis reconnect.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, testRedisPrefix, TEST_REDIS_URL } from '../helpers/databases.js';
import { startHarness, type Harness } from './harness.js';

interface RedisProxy {
  url: string;
  /** Stop listening and cut every open connection. */
  cut(): Promise<void>;
  /** Listen again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    cut,
    restore: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: async () => {
      if (server.listening) await cut();
    },
  };
}

const readiness = async (harness: Harness) => {
  const response = await fetch(`${harness.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as { ok: boolean; checks?: string[]; down?: Record<string, string> } };
};

let harness: Harness | undefined;
let proxy: RedisProxy | undefined;
const redis = testRedisPrefix();
afterEach(async () => {
  await harness?.close();
  await proxy?.close();
  await redis.clear();
  harness = undefined;
  proxy = undefined;
});

describe('/readyz when Redis becomes unreachable', () => {
  it('answers 503 naming redis while it is down, and 200 again once ioredis reconnects', async () => {
    proxy = await startRedisProxy();
    harness = await startHarness({ env: { REDIS_URL: proxy.url, REDIS_KEY_PREFIX: redis.prefix } });
    const before = await readiness(harness);
    expect(before).toEqual({ status: 200, body: { ok: true, checks: ['sqlite', 'redis'] } });

    await proxy.cut();
    let down = before;
    await eventually(async () => (down = await readiness(harness!)).status === 503, 15_000, '/readyz to report Redis down');
    expect(down.body.ok).toBe(false);
    expect(Object.keys(down.body.down ?? {})).toEqual(['redis']);
    // ioredis's own reason (retries spent, connection refused), whatever it says.
    expect(down.body.down!.redis).toMatch(/\S/);

    await proxy.restore();
    await eventually(async () => (await readiness(harness!)).status === 200, 15_000, '/readyz to recover after Redis returns');
    expect(await readiness(harness)).toEqual({ status: 200, body: { ok: true, checks: ['sqlite', 'redis'] } });
  }, 45_000);
});
