import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.js';
import { openSqliteStore, STORE_FILE_NAME } from '../../src/store/sqlite.js';
import type { ChannelLink, Store } from '../../src/store/types.js';

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
    expect(store.links.get('C1')).toBeUndefined();
    store.links.set(link);
    expect(store.links.get('C1')).toEqual(link);
    store.links.set({ ...link, repo: 'acme/other', branch: null, path: null });
    expect(store.links.get('C1')).toMatchObject({ repo: 'acme/other', branch: null, path: null });
    expect(store.links.list()).toHaveLength(1);
    expect(store.links.remove('C1')).toBe(true);
    expect(store.links.remove('C1')).toBe(false);
    expect(store.links.list()).toEqual([]);
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
    first.links.set(link);
    first.blobs.set('sha1', 'contents');
    first.close();
    expect(fs.existsSync(path.join(dir, STORE_FILE_NAME))).toBe(true);

    const second = openSqliteStore(dir);
    expect(second.links.get('C1')).toEqual(link);
    expect(second.blobs.get('sha1')).toBe('contents');
    second.close();
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
