import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.js';
import { openSqliteStore, STORE_FILE_NAME } from '../../src/store/sqlite.js';
import { RECENT_QUESTIONS_KEPT, type ChannelLink, type Store } from '../../src/store/types.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-store-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
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

const implementations: Array<[string, (now: () => number) => Store]> = [
  ['memory', (now) => createMemoryStore({ now })],
  ['sqlite', (now) => openSqliteStore(tempDir(), { now })],
];

describe.each(implementations)('%s store', (_name, open) => {
  it('stores, replaces and removes channel links', () => {
    const store = open(() => 0);
    expect(store.links.forTeam('T1').get('C1')).toBeUndefined();
    store.links.forTeam('T1').set(link);
    expect(store.links.forTeam('T1').get('C1')).toEqual(link);
    store.links.forTeam('T1').set({ ...link, repo: 'acme/other', branch: null, path: null });
    expect(store.links.forTeam('T1').get('C1')).toMatchObject({ repo: 'acme/other', branch: null, path: null });
    expect(store.links.forTeam('T1').list()).toHaveLength(1);
    expect(store.links.forTeam('T1').remove('C1')).toBe(true);
    expect(store.links.forTeam('T1').remove('C1')).toBe(false);
    expect(store.links.forTeam('T1').list()).toEqual([]);
    store.close();
  });

  it('keeps each workspace\'s channel links apart', () => {
    const store = open(() => 0);
    store.links.forTeam('T1').set(link);
    expect(store.links.forTeam('T2').get('C1')).toBeUndefined();
    store.links.forTeam('T2').set({ ...link, repo: 'beta/app' });
    expect(store.links.forTeam('T1').get('C1')?.repo).toBe('acme/shop');
    expect(store.links.forTeam('T2').list().map((entry) => entry.repo)).toEqual(['beta/app']);
    store.close();
  });

  it('keeps one rating per person per answer, with the follow-up, counted per workspace', async () => {
    const store = open(() => 0);
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
    store.close();
  });

  it('keeps the newest questions per workspace, newest first', async () => {
    const store = open(() => 0);
    for (let index = 0; index < RECENT_QUESTIONS_KEPT + 5; index += 1) {
      await store.questions.record({ teamId: 'T1', channelId: 'C1', threadTs: `${index}.0`, userId: 'U1', excerpt: `q${index}`, askedAt: new Date(index * 1000).toISOString() });
    }
    await store.questions.record({ teamId: 'T2', channelId: 'C2', threadTs: '1.0', userId: 'U2', excerpt: 'other', askedAt: new Date(0).toISOString() });
    const recent = await store.questions.recent('T1', 100);
    expect(recent).toHaveLength(RECENT_QUESTIONS_KEPT);
    expect(recent[0]?.excerpt).toBe(`q${RECENT_QUESTIONS_KEPT + 4}`);
    expect((await store.questions.recent('T1', 2)).map((entry) => entry.excerpt)).toEqual([`q${RECENT_QUESTIONS_KEPT + 4}`, `q${RECENT_QUESTIONS_KEPT + 3}`]);
    expect((await store.questions.recent('T2', 5)).map((entry) => entry.excerpt)).toEqual(['other']);
    store.close();
  });

  it('saves, replaces and removes installations; purging a workspace forgets all it stored', async () => {
    const store = open(() => 0);
    const record = { key: 'T:T1', teamId: 'T1', enterpriseId: null, data: '{"bot":{"token":"xoxb-1"}}', installedAt: '2026-01-01T00:00:00.000Z' };
    await store.installations.save(record);
    await store.installations.save({ ...record, data: '{"bot":{"token":"xoxb-2"}}' });
    expect(await store.installations.get('T:T1')).toEqual({ ...record, data: '{"bot":{"token":"xoxb-2"}}' });
    await store.installations.save({ ...record, key: 'T:T2', teamId: 'T2' });
    await store.assistantContexts.save('T1', 'D1', '5.0', { channelId: 'C1', teamId: 'T1' });
    expect(await store.assistantContexts.get('T1', 'D1', '5.0')).toEqual({ channelId: 'C1', teamId: 'T1' });
    store.links.forTeam('T1').set(link);
    store.links.forTeam('T2').set(link);
    await store.questions.record({ teamId: 'T1', channelId: 'C1', threadTs: '1.0', userId: 'U1', excerpt: 'q', askedAt: new Date(0).toISOString() });
    await store.feedback.rate({ teamId: 'T1', channelId: 'C1', messageTs: '1.0', userId: 'U1', rating: 'helpful', at: new Date(0).toISOString() });

    await store.workspaces.purge('T1');
    expect(await store.installations.get('T:T1')).toBeUndefined();
    expect(store.links.forTeam('T1').list()).toEqual([]);
    expect(await store.questions.recent('T1', 5)).toEqual([]);
    expect(await store.feedback.counts('T1')).toEqual({ helpful: 0, not_helpful: 0 });
    expect(await store.assistantContexts.get('T1', 'D1', '5.0')).toBeUndefined();
    // The other workspace is untouched.
    expect(await store.installations.get('T:T2')).toBeDefined();
    expect(store.links.forTeam('T2').get('C1')).toEqual(link);
    expect(await store.installations.remove('T:T2')).toBe(true);
    expect(await store.installations.remove('T:T2')).toBe(false);
    store.close();
  });

  it('gives records kept before workspaces existed to the single workspace', async () => {
    const store = open(() => 0);
    store.links.forTeam('').set(link);
    store.links.forTeam('').set({ ...link, channelId: 'C2' });
    store.links.forTeam('T1').set({ ...link, channelId: 'C2', repo: 'acme/kept' });
    expect(await store.workspaces.adoptUnscoped('T1')).toBe(1);
    expect(store.links.forTeam('T1').list().map((entry) => [entry.channelId, entry.repo])).toEqual([
      ['C1', 'acme/shop'],
      ['C2', 'acme/kept'],
    ]);
    expect(store.links.forTeam('').list()).toEqual([]);
    store.close();
  });

  it('keeps blobs immutable by sha and conditional bodies by key', () => {
    const store = open(() => 0);
    store.blobs.set('abc', 'first');
    store.blobs.set('abc', 'second');
    expect(store.blobs.get('abc')).toBe('first');
    expect(store.blobs.get('missing')).toBeUndefined();
    store.conditional.set('GET /x', '"e1"', '{"a":1}');
    store.conditional.set('GET /x', '"e2"', '{"a":2}');
    expect(store.conditional.get('GET /x')).toEqual({ etag: '"e2"', body: '{"a":2}' });
    store.close();
  });

  it('claims an event id once until it expires', () => {
    let clock = 1_000;
    const store = open(() => clock);
    expect(store.events.claim('Ev1', 60_000)).toBe(true);
    expect(store.events.claim('Ev1', 60_000)).toBe(false);
    expect(store.events.claim('Ev2', 60_000)).toBe(true);
    clock += 120_000;
    expect(store.events.claim('Ev1', 60_000)).toBe(true);
    store.close();
  });

  it('claims an expired id again before any purge has run', () => {
    let clock = 1_000;
    const store = open(() => clock);
    expect(store.events.claim('Ev1', 10_000)).toBe(true);
    clock += 20_000;
    expect(store.events.claim('Ev1', 10_000)).toBe(true);
    expect(store.events.claim('Ev1', 10_000)).toBe(false);
    store.close();
  });
});

describe('sqlite store', () => {
  it('creates its file on first use and keeps links across restarts', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const first = openSqliteStore(dir);
    first.links.forTeam('T1').set(link);
    first.blobs.set('sha1', 'contents');
    first.close();
    expect(fs.existsSync(path.join(dir, STORE_FILE_NAME))).toBe(true);

    const second = openSqliteStore(dir);
    expect(second.links.forTeam('T1').get('C1')).toEqual(link);
    expect(second.blobs.get('sha1')).toBe('contents');
    second.close();
  });

  it('migrates a single-workspace database: its links wait under team \'\' for the workspace to adopt them', async () => {
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
    expect(store.links.forTeam('').get('C1')).toEqual(link);
    expect(await store.workspaces.adoptUnscoped('T1')).toBe(1);
    expect(store.links.forTeam('T1').get('C1')).toEqual(link);
    store.close();
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
