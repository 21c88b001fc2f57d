/**
 * One contract for every store (memory, SQLite, PostgreSQL) and every event ledger (those three
 * and Redis). PostgreSQL and Redis are the real servers on 127.0.0.1, each run in its own database
 * or key prefix, created and dropped here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSharedState, type SharedState } from '../../src/scale/shared-state.js';
import { createMemoryEventLedger, createMemoryStore } from '../../src/store/memory.js';
import { openPostgresStore, POSTGRES_SCHEMA_STEPS } from '../../src/store/postgres.js';
import { openSqliteStore, STORE_FILE_NAME } from '../../src/store/sqlite.js';
import { RECENT_QUESTIONS_KEPT, type ChannelLink, type EventLedger, type Store } from '../../src/store/types.js';
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
      await store.pool.query('TRUNCATE channel_links, slack_events, feedback, questions, installations, assistant_contexts');
      return store;
    },
  ],
];

describe.each(stores)('%s store', (_name, open) => {
  it('stores, replaces and removes channel links', async () => {
    const store = await open(() => 0);
    const links = store.links.forTeam('T1');
    expect(await links.get('C1')).toBeUndefined();
    await links.set(link);
    expect(await links.get('C1')).toEqual(link);
    await links.set({ ...link, repo: 'acme/other', branch: null, path: null });
    expect(await links.get('C1')).toMatchObject({ repo: 'acme/other', branch: null, path: null });
    expect(await links.list()).toHaveLength(1);
    await links.set({ ...link, channelId: 'C0' });
    expect((await links.list()).map((item) => item.channelId)).toEqual(['C0', 'C1']);
    expect(await links.remove('C1')).toBe(true);
    expect(await links.remove('C1')).toBe(false);
    expect(await links.remove('C0')).toBe(true);
    expect(await links.list()).toEqual([]);
    await store.ping();
    await store.close();
  });

  it("keeps each workspace's channel links apart", async () => {
    const store = await open(() => 0);
    await store.links.forTeam('T1').set(link);
    expect(await store.links.forTeam('T2').get('C1')).toBeUndefined();
    await store.links.forTeam('T2').set({ ...link, repo: 'beta/app' });
    expect((await store.links.forTeam('T1').get('C1'))?.repo).toBe('acme/shop');
    expect((await store.links.forTeam('T2').list()).map((entry) => entry.repo)).toEqual(['beta/app']);
    expect(await store.links.forTeam('T2').remove('C1')).toBe(true);
    expect(await store.links.forTeam('T1').get('C1')).toEqual(link);
    await store.close();
  });

  it('finds the channels of every workspace linked to a repository, whatever its case, and no unlinked ones', async () => {
    const store = await open(() => 0);
    await store.links.forTeam('T2').set({ ...link, channelId: 'C5', repo: 'Acme/Shop' });
    await store.links.forTeam('T1').set(link);
    await store.links.forTeam('T1').set({ ...link, channelId: 'C2', repo: 'beta/app' });
    await store.links.forTeam('T3').set({ ...link, channelId: 'C7', repo: '', branch: null, path: null, database: 'mysql' });
    expect((await store.links.linkedTo('ACME/shop')).map((entry) => [entry.teamId, entry.link.channelId, entry.link.repo])).toEqual([
      ['T1', 'C1', 'acme/shop'],
      ['T2', 'C5', 'Acme/Shop'],
    ]);
    expect(await store.links.linkedTo('')).toEqual([]);
    expect(await store.links.linkedTo('nobody/here')).toEqual([]);
    await store.close();
  });

  it('keeps one rating per person per answer, with the follow-up, counted per workspace', async () => {
    const store = await open(() => 0);
    const answer = { teamId: 'T1', channelId: 'C1', messageTs: '1.000001' };
    expect(await store.feedback.comment(answer, 'U1', 'too vague')).toBe(false);
    await store.feedback.rate({ ...answer, userId: 'U1', rating: 'helpful', at: '2026-01-01T00:00:00.000Z' });
    await store.feedback.rate({ ...answer, userId: 'U1', rating: 'not_helpful', at: '2026-01-01T00:01:00.000Z' });
    await store.feedback.rate({ ...answer, userId: 'U2', rating: 'helpful', at: '2026-01-01T00:02:00.000Z' });
    await store.feedback.rate({ teamId: 'T2', channelId: 'C9', messageTs: '2.0', userId: 'U9', rating: 'helpful', at: '2026-01-01T00:03:00.000Z' });
    expect(await store.feedback.comment(answer, 'U1', 'missed the lock')).toBe(true);
    const entries = await store.feedback.forAnswer(answer);
    expect(entries).toEqual([
      { ...answer, userId: 'U1', rating: 'not_helpful', comment: 'missed the lock', at: '2026-01-01T00:01:00.000Z' },
      { ...answer, userId: 'U2', rating: 'helpful', comment: null, at: '2026-01-01T00:02:00.000Z' },
    ]);
    expect(await store.feedback.counts('T1')).toEqual({ helpful: 1, not_helpful: 1 });
    // Rating again keeps the follow-up.
    await store.feedback.rate({ ...answer, userId: 'U1', rating: 'helpful', at: '2026-01-01T00:04:00.000Z' });
    expect((await store.feedback.forAnswer(answer))[0]).toMatchObject({ rating: 'helpful', comment: 'missed the lock', at: '2026-01-01T00:04:00.000Z' });
    expect(await store.feedback.counts('T1')).toEqual({ helpful: 2, not_helpful: 0 });
    expect(await store.feedback.counts('T2')).toEqual({ helpful: 1, not_helpful: 0 });
    expect(await store.feedback.counts('T3')).toEqual({ helpful: 0, not_helpful: 0 });
    await store.close();
  });

  it('keeps the newest questions per workspace, newest first', async () => {
    const store = await open(() => 0);
    for (let index = 0; index < RECENT_QUESTIONS_KEPT + 5; index += 1) {
      await store.questions.record({ teamId: 'T1', channelId: 'C1', threadTs: `${index}.0`, userId: 'U1', excerpt: `q${index}`, askedAt: new Date(index * 1000).toISOString() });
    }
    await store.questions.record({ teamId: 'T2', channelId: 'C2', threadTs: '1.0', userId: 'U2', excerpt: 'other', askedAt: new Date(0).toISOString() });
    const recent = await store.questions.recent('T1', 100);
    expect(recent).toHaveLength(RECENT_QUESTIONS_KEPT);
    expect(recent[0]).toEqual({ teamId: 'T1', channelId: 'C1', threadTs: `${RECENT_QUESTIONS_KEPT + 4}.0`, userId: 'U1', excerpt: `q${RECENT_QUESTIONS_KEPT + 4}`, askedAt: new Date((RECENT_QUESTIONS_KEPT + 4) * 1000).toISOString() });
    expect((await store.questions.recent('T1', 2)).map((entry) => entry.excerpt)).toEqual([`q${RECENT_QUESTIONS_KEPT + 4}`, `q${RECENT_QUESTIONS_KEPT + 3}`]);
    expect((await store.questions.recent('T2', 5)).map((entry) => entry.excerpt)).toEqual(['other']);
    await store.close();
  });

  it('saves, replaces and removes installations; purging a workspace forgets all it stored', async () => {
    const store = await open(() => 0);
    const record = { key: 'T:T1', teamId: 'T1', enterpriseId: null, data: '{"bot":{"token":"xoxb-1"}}', installedAt: '2026-01-01T00:00:00.000Z' };
    expect(await store.installations.get('T:T1')).toBeUndefined();
    await store.installations.save(record);
    await store.installations.save({ ...record, data: '{"bot":{"token":"xoxb-2"}}' });
    expect(await store.installations.get('T:T1')).toEqual({ ...record, data: '{"bot":{"token":"xoxb-2"}}' });
    await store.installations.save({ ...record, key: 'T:T2', teamId: 'T2' });
    expect(await store.assistantContexts.get('T1', 'D1', '5.0')).toBeUndefined();
    await store.assistantContexts.save('T1', 'D1', '5.0', { channelId: 'C0', teamId: 'T1' });
    await store.assistantContexts.save('T1', 'D1', '5.0', { channelId: 'C1', teamId: 'T1' });
    expect(await store.assistantContexts.get('T1', 'D1', '5.0')).toEqual({ channelId: 'C1', teamId: 'T1' });
    await store.assistantContexts.save('T2', 'D1', '5.0', { channelId: 'C2' });
    await store.links.forTeam('T1').set(link);
    await store.links.forTeam('T2').set(link);
    await store.questions.record({ teamId: 'T1', channelId: 'C1', threadTs: '1.0', userId: 'U1', excerpt: 'q', askedAt: new Date(0).toISOString() });
    await store.feedback.rate({ teamId: 'T1', channelId: 'C1', messageTs: '1.0', userId: 'U1', rating: 'helpful', at: new Date(0).toISOString() });

    await store.workspaces.purge('T1');
    expect(await store.installations.get('T:T1')).toBeUndefined();
    expect(await store.links.forTeam('T1').list()).toEqual([]);
    expect(await store.questions.recent('T1', 5)).toEqual([]);
    expect(await store.feedback.counts('T1')).toEqual({ helpful: 0, not_helpful: 0 });
    expect(await store.assistantContexts.get('T1', 'D1', '5.0')).toBeUndefined();
    // The other workspace is untouched.
    expect(await store.installations.get('T:T2')).toBeDefined();
    expect(await store.links.forTeam('T2').get('C1')).toEqual(link);
    expect(await store.assistantContexts.get('T2', 'D1', '5.0')).toEqual({ channelId: 'C2' });
    expect(await store.installations.remove('T:T2')).toBe(true);
    expect(await store.installations.remove('T:T2')).toBe(false);
    await store.close();
  });

  it('gives records kept before workspaces existed to the single workspace', async () => {
    const store = await open(() => 0);
    await store.links.forTeam('').set(link);
    await store.links.forTeam('').set({ ...link, channelId: 'C2' });
    await store.links.forTeam('T1').set({ ...link, channelId: 'C2', repo: 'acme/kept' });
    expect(await store.workspaces.adoptUnscoped('')).toBe(0);
    expect(await store.workspaces.adoptUnscoped('T1')).toBe(1);
    expect((await store.links.forTeam('T1').list()).map((entry) => [entry.channelId, entry.repo])).toEqual([
      ['C1', 'acme/shop'],
      ['C2', 'acme/kept'],
    ]);
    expect(await store.links.forTeam('').list()).toEqual([]);
    expect(await store.workspaces.adoptUnscoped('T1')).toBe(0);
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
      await opened[1]!.links.forTeam('T1').set(link);
      expect(await opened[3]!.links.forTeam('T1').get('C1')).toEqual(link);
      await Promise.all(opened.map((store) => store.close()));
    } finally {
      await fresh.drop();
    }
  });

  it("migrates a single-workspace database: its links wait under team '' for the workspace to adopt them", async () => {
    const fresh = await createTestDatabase();
    try {
      // The first schema step as it shipped, with one link written before workspaces existed.
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      await client.query(`CREATE TABLE mh_schema_migrations (step INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
        CREATE TABLE channel_links (channel_id TEXT PRIMARY KEY, repo TEXT NOT NULL, branch TEXT, path TEXT, database TEXT, database_version TEXT, linked_by TEXT NOT NULL, linked_at TEXT NOT NULL);
        CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, owner TEXT, expires_at BIGINT NOT NULL);
        CREATE INDEX slack_events_expiry ON slack_events (expires_at);
        INSERT INTO mh_schema_migrations (step) VALUES (1);`);
      await client.query('INSERT INTO channel_links VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [link.channelId, link.repo, link.branch, link.path, link.database, link.databaseVersion, link.linkedBy, link.linkedAt]);
      await client.end();

      const store = await openPostgresStore(fresh.url);
      expect(await store.links.forTeam('').get('C1')).toEqual(link);
      expect(await store.workspaces.adoptUnscoped('T1')).toBe(1);
      expect(await store.links.forTeam('T1').get('C1')).toEqual(link);
      expect(await store.links.forTeam('').list()).toEqual([]);
      await store.close();
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
    await first.links.forTeam('T1').set(link);
    first.blobs.set('sha1', 'contents');
    await first.close();
    expect(fs.existsSync(path.join(dir, STORE_FILE_NAME))).toBe(true);

    const second = openSqliteStore(dir);
    expect(await second.links.forTeam('T1').get('C1')).toEqual(link);
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

  it("migrates a single-workspace database: its links wait under team '' for the workspace to adopt them", async () => {
    const dir = tempDir();
    const legacy = new Database(path.join(dir, STORE_FILE_NAME));
    legacy.exec(`CREATE TABLE channel_links (channel_id TEXT PRIMARY KEY, repo TEXT NOT NULL, branch TEXT, path TEXT, database TEXT, database_version TEXT, linked_by TEXT NOT NULL, linked_at TEXT NOT NULL);
      CREATE TABLE blobs (sha TEXT PRIMARY KEY, text TEXT NOT NULL, stored_at INTEGER NOT NULL);
      CREATE TABLE conditional (key TEXT PRIMARY KEY, etag TEXT NOT NULL, body TEXT NOT NULL, stored_at INTEGER NOT NULL);
      CREATE TABLE events (event_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`);
    legacy.prepare('INSERT INTO channel_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(link.channelId, link.repo, link.branch, link.path, link.database, link.databaseVersion, link.linkedBy, link.linkedAt);
    legacy.pragma('user_version = 1');
    legacy.close();

    const store = openSqliteStore(dir);
    expect(await store.links.forTeam('').get('C1')).toEqual(link);
    expect(await store.workspaces.adoptUnscoped('T1')).toBe(1);
    expect(await store.links.forTeam('T1').get('C1')).toEqual(link);
    // The event ledger's lease column came with a later step.
    expect(await store.events.claim('Ev1', 'a', 10_000)).toBe('claimed');
    expect(await store.events.claim('Ev1', 'b', 10_000)).toBe('busy');
    await store.close();
  });

  it('explains an unusable DATA_DIR instead of crashing with a stack', () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    expect(() => openSqliteStore(file)).toThrowError(/DATA_DIR=.*writable/);
  });

  it('explains a database file that is not SQLite instead of crashing with a stack', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, STORE_FILE_NAME), 'this is not a database, just some text that is long enough to have a header');
    expect(() => openSqliteStore(dir)).toThrowError(expect.objectContaining({ code: 'store_error', userMessage: expect.stringMatching(/Move the file away/) }));
  });
});
