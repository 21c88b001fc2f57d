/**
 * One contract for every store (memory, SQLite, PostgreSQL) and every event ledger (those three
 * and Redis). PostgreSQL and Redis are the real servers on 127.0.0.1, each run in its own database
 * or key prefix, created and dropped here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSharedState, type SharedState } from '../../src/scale/shared-state.js';
import { createMemoryEventLedger, createMemoryStore } from '../../src/store/memory.js';
import { openPostgresStore, POSTGRES_SCHEMA_STEPS } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { ChannelLink, EventLedger, Store } from '../../src/store/types.js';
import { createTestDatabase, eventually, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/databases.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-store-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

let database: TestDatabase;
const redisKeys = testRedisPrefix();
const sharedStates: SharedState[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const shared of sharedStates) await shared.close();
  await redisKeys.clear();
  await database.drop();
});

const link: ChannelLink = {
  channelId: 'C1',
  repo: 'acme/shop',
  branch: 'main',
  path: 'backend',
  database: 'postgresql',
  databaseVersion: '15',
  linkedBy: 'U1',
  linkedAt: '2026-11-24T05:00:00.000Z',
};

/** Each test gets a clean store; PostgreSQL ones share the run's database, so its tables are emptied first. */
const stores: Array<[string, (now: () => number) => Promise<Store>]> = [
  ['memory', async (now) => createMemoryStore({ now })],
  ['sqlite', async (now) => openSqliteStore(tempDir(), { now })],
  [
    'postgres',
    async (now) => {
      const store = await openPostgresStore(database.url, { now });
      await store.pool.query('TRUNCATE channel_links, slack_events');
      return store;
    },
  ],
];

describe.each(stores)('%s store', (_name, open) => {
  it('stores, replaces and removes channel links', async () => {
    const store = await open(() => 0);
    expect(await store.links.get('C1')).toBeUndefined();
    await store.links.set(link);
    expect(await store.links.get('C1')).toEqual(link);
    await store.links.set({ ...link, repo: 'acme/other', branch: null, path: null });
    expect(await store.links.get('C1')).toMatchObject({ repo: 'acme/other', branch: null, path: null });
    await store.links.set({ ...link, channelId: 'C0' });
    expect((await store.links.list()).map((item) => item.channelId)).toEqual(['C0', 'C1']);
    expect(await store.links.remove('C1')).toBe(true);
    expect(await store.links.remove('C1')).toBe(false);
    expect(await store.links.remove('C0')).toBe(true);
    expect(await store.links.list()).toEqual([]);
    await store.ping();
    await store.close();
  });

  it('claims an event once until its lease lapses, and remembers it answered', async () => {
    let clock = 1_000;
    const store = await open(() => clock);
    const { events } = store;
    expect(await events.claim('Ev1', 'a', 10_000)).toBe('claimed');
    expect(await events.claim('Ev1', 'b', 10_000)).toBe('busy');
    expect(await events.claim('Ev2', 'b', 10_000)).toBe('claimed');
    // The owner renews; someone else cannot.
    clock += 8_000;
    expect(await events.renew('Ev1', 'a', 10_000)).toBe(true);
    expect(await events.renew('Ev1', 'b', 10_000)).toBe(false);
    clock += 8_000;
    expect(await events.claim('Ev1', 'b', 10_000)).toBe('busy');
    // Ev2's owner died: its lease lapsed, so a redelivery takes it over and the old owner cannot renew.
    expect(await events.claim('Ev2', 'c', 10_000)).toBe('claimed');
    expect(await events.renew('Ev2', 'b', 10_000)).toBe(false);
    await events.complete('Ev1', 60_000);
    expect(await events.claim('Ev1', 'b', 10_000)).toBe('answered');
    expect(await events.renew('Ev1', 'a', 10_000)).toBe(false);
    clock += 120_000;
    expect(await events.claim('Ev1', 'b', 10_000)).toBe('claimed');
    await store.close();
  });

  it('claims a lapsed id again before any purge has run', async () => {
    let clock = 1_000;
    const store = await open(() => clock);
    expect(await store.events.claim('Ev1', 'a', 10_000)).toBe('claimed');
    clock += 20_000;
    expect(await store.events.claim('Ev1', 'b', 10_000)).toBe('claimed');
    expect(await store.events.claim('Ev1', 'c', 10_000)).toBe('busy');
    await store.close();
  });
});

describe('redis event ledger', () => {
  let ledger: EventLedger;
  beforeAll(async () => {
    const shared = await connectSharedState({ redisUrl: TEST_REDIS_URL, keyPrefix: redisKeys.prefix, maxConcurrent: 2, streamsPerMinute: 20 });
    sharedStates.push(shared);
    ledger = shared.events!;
  });

  it('claims once, renews only for the owner, and remembers answered events', async () => {
    expect(await ledger.claim('Ev1', 'a', 10_000)).toBe('claimed');
    expect(await ledger.claim('Ev1', 'b', 10_000)).toBe('busy');
    expect(await ledger.renew('Ev1', 'a', 10_000)).toBe(true);
    expect(await ledger.renew('Ev1', 'b', 10_000)).toBe(false);
    await ledger.complete('Ev1', 60_000);
    expect(await ledger.claim('Ev1', 'b', 10_000)).toBe('answered');
    expect(await ledger.renew('Ev1', 'a', 10_000)).toBe(false);
  });

  it('lets a redelivery take over a lease whose owner stopped renewing', async () => {
    expect(await ledger.claim('Ev2', 'dead', 300)).toBe('claimed');
    expect(await ledger.claim('Ev2', 'next', 300)).toBe('busy');
    await eventually(async () => (await ledger.claim('Ev2', 'next', 10_000)) === 'claimed', 3_000, 'the lease to lapse');
    expect(await ledger.renew('Ev2', 'dead', 10_000)).toBe(false);
    expect(await ledger.renew('Ev2', 'next', 10_000)).toBe(true);
  });
});

describe('memory event ledger', () => {
  it('forgets the oldest ids beyond its capacity', async () => {
    const ledger = createMemoryEventLedger({ maxEntries: 2 });
    expect(await ledger.claim('a', 'x', 60_000)).toBe('claimed');
    expect(await ledger.claim('b', 'x', 60_000)).toBe('claimed');
    expect(await ledger.claim('c', 'x', 60_000)).toBe('claimed');
    expect(await ledger.claim('b', 'y', 60_000)).toBe('busy');
    expect(await ledger.claim('a', 'y', 60_000)).toBe('claimed');
  });
});

describe('postgres store', () => {
  it('applies its schema once when several replicas start together', async () => {
    const fresh = await createTestDatabase();
    try {
      const opened = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(fresh.url)));
      const { rows } = await opened[0]!.pool.query<{ step: number }>('SELECT step FROM mh_schema_migrations ORDER BY step');
      expect(rows.map((row) => row.step)).toEqual(Array.from({ length: POSTGRES_SCHEMA_STEPS }, (_v, index) => index + 1));
      await opened[1]!.links.set(link);
      expect(await opened[3]!.links.get('C1')).toEqual(link);
      await Promise.all(opened.map((store) => store.close()));
    } finally {
      await fresh.drop();
    }
  });

  it('explains a database it cannot reach, without the password', async () => {
    const url = 'postgres://postgres:s3cretpassw0rd@127.0.0.1:5432/mh_no_such_database_here';
    const error = await openPostgresStore(url).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'store_error', userMessage: expect.stringMatching(/127\.0\.0\.1:5432\/mh_no_such_database_here .*Check DATABASE_URL/) });
    expect(JSON.stringify(error)).not.toContain('s3cretpassw0rd');
    expect((error as Error).message).not.toContain('s3cretpassw0rd');
  });

  it('keeps its tables apart from other databases (a real server, not a mock)', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await client.end();
    expect(rows[0]!.name).toBe(database.name);
  });
});

describe('sqlite store', () => {
  it('creates its file on first use and keeps links across restarts', async () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const first = openSqliteStore(dir);
    await first.links.set(link);
    first.blobs.set('sha1', 'contents');
    await first.close();
    expect(fs.existsSync(path.join(dir, 'migrate-help.sqlite'))).toBe(true);

    const second = openSqliteStore(dir);
    expect(await second.links.get('C1')).toEqual(link);
    expect(second.blobs.get('sha1')).toBe('contents');
    await second.close();
  });

  it('keeps blobs immutable by sha and conditional bodies by key (memory caches too)', async () => {
    for (const caches of [openSqliteStore(tempDir()), createMemoryStore()]) {
      caches.blobs.set('abc', 'first');
      caches.blobs.set('abc', 'second');
      expect(caches.blobs.get('abc')).toBe('first');
      expect(caches.blobs.get('missing')).toBeUndefined();
      caches.conditional.set('GET /x', '"e1"', '{"a":1}');
      caches.conditional.set('GET /x', '"e2"', '{"a":2}');
      expect(caches.conditional.get('GET /x')).toEqual({ etag: '"e2"', body: '{"a":2}' });
      await caches.close();
    }
  });

  it('explains an unusable DATA_DIR instead of crashing with a stack', () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    expect(() => openSqliteStore(file)).toThrowError(/DATA_DIR=.*writable/);
  });

  it('explains a database file that is not SQLite instead of crashing with a stack', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'migrate-help.sqlite'), 'this is not a database, just some text that is long enough to have a header');
    expect(() => openSqliteStore(dir)).toThrowError(expect.objectContaining({ code: 'store_error', userMessage: expect.stringMatching(/Move the file away/) }));
  });
});
