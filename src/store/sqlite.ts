import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import type { BlobStore, CacheStore, ChannelLink, ConditionalStore, EventLedger, LinkStore, Store } from './types.js';

/** Schema steps, applied in order; `user_version` records how many ran. Never edit a shipped step. */
const SCHEMA_STEPS: readonly string[] = [
  `CREATE TABLE channel_links (
     channel_id TEXT PRIMARY KEY,
     repo TEXT NOT NULL,
     branch TEXT,
     path TEXT,
     database TEXT,
     database_version TEXT,
     linked_by TEXT NOT NULL,
     linked_at TEXT NOT NULL
   );
   CREATE TABLE blobs (sha TEXT PRIMARY KEY, text TEXT NOT NULL, stored_at INTEGER NOT NULL);
   CREATE TABLE conditional (key TEXT PRIMARY KEY, etag TEXT NOT NULL, body TEXT NOT NULL, stored_at INTEGER NOT NULL);
   CREATE TABLE events (event_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`,
  // Claims became leases held by one answerer; NULL marks an answered event.
  `ALTER TABLE events ADD COLUMN owner TEXT;`,
];

export const STORE_FILE_NAME = 'migrate-help.sqlite';

interface LinkRow {
  channel_id: string;
  repo: string;
  branch: string | null;
  path: string | null;
  database: string | null;
  database_version: string | null;
  linked_by: string;
  linked_at: string;
}

function rowToLink(row: LinkRow): ChannelLink {
  return {
    channelId: row.channel_id,
    repo: row.repo,
    branch: row.branch,
    path: row.path,
    database: row.database,
    databaseVersion: row.database_version,
    linkedBy: row.linked_by,
    linkedAt: row.linked_at,
  };
}

/**
 * Opens (creating on first use) the bot's SQLite database under `dataDir`.
 * `now` is injectable so expiry can be tested without waiting.
 */
export function openSqliteStore(dataDir: string, options: { now?: () => number } = {}): Store & CacheStore {
  const now = options.now ?? Date.now;
  const file = path.join(dataDir, STORE_FILE_NAME);
  let db: Database.Database;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
  } catch (error) {
    throw new AppError('store_error', `I could not open my database under DATA_DIR=${dataDir}. Check that the folder exists and is writable.`, { cause: error });
  }
  try {
    // The file is first read here: a file that is not SQLite (or a damaged one) fails now, not at the constructor.
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL never corrupts the file; a power cut may forget the last few writes (a dedupe id or a
    // cached blob), which costs one repeated answer at worst, while FULL would fsync on every event.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    migrateSchema(db);
  } catch (error) {
    db.close();
    throw new AppError('store_error', `I could not use my database ${file}: ${error instanceof Error ? error.message : String(error)}. Move the file away (links and caches start empty) or point DATA_DIR elsewhere.`, { cause: error });
  }

  const links: LinkStore = (() => {
    const get = db.prepare<[string], LinkRow>('SELECT * FROM channel_links WHERE channel_id = ?');
    const upsert = db.prepare(
      `INSERT INTO channel_links (channel_id, repo, branch, path, database, database_version, linked_by, linked_at)
       VALUES (@channelId, @repo, @branch, @path, @database, @databaseVersion, @linkedBy, @linkedAt)
       ON CONFLICT(channel_id) DO UPDATE SET repo = excluded.repo, branch = excluded.branch, path = excluded.path,
         database = excluded.database, database_version = excluded.database_version,
         linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
    );
    const remove = db.prepare<[string]>('DELETE FROM channel_links WHERE channel_id = ?');
    const list = db.prepare<[], LinkRow>('SELECT * FROM channel_links ORDER BY channel_id');
    return {
      get: async (channelId) => {
        const row = get.get(channelId);
        return row ? rowToLink(row) : undefined;
      },
      set: async (link) => {
        upsert.run(link);
      },
      remove: async (channelId) => remove.run(channelId).changes > 0,
      list: async () => list.all().map(rowToLink),
    };
  })();

  const blobs: BlobStore = (() => {
    const get = db.prepare<[string], { text: string }>('SELECT text FROM blobs WHERE sha = ?');
    const put = db.prepare<[string, string, number]>('INSERT OR IGNORE INTO blobs (sha, text, stored_at) VALUES (?, ?, ?)');
    return {
      get: (sha) => get.get(sha)?.text,
      set: (sha, text) => {
        put.run(sha, text, now());
      },
    };
  })();

  const conditional: ConditionalStore = (() => {
    const get = db.prepare<[string], { etag: string; body: string }>('SELECT etag, body FROM conditional WHERE key = ?');
    const put = db.prepare<[string, string, string, number]>(
      'INSERT INTO conditional (key, etag, body, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, body = excluded.body, stored_at = excluded.stored_at',
    );
    return {
      get: (key) => get.get(key),
      set: (key, etag, body) => {
        put.run(key, etag, body, now());
      },
    };
  })();

  const events: EventLedger = (() => {
    const purge = db.prepare<[number]>('DELETE FROM events WHERE expires_at <= ?');
    // A lapsed row not purged yet is claimed again (as in the memory store): the upsert takes over only a lapsed row.
    const claim = db.prepare<[string, string, number, number]>(
      'INSERT INTO events (event_id, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT(event_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE events.expires_at <= ?',
    );
    const holder = db.prepare<[string], { owner: string | null }>('SELECT owner FROM events WHERE event_id = ?');
    const renew = db.prepare<[number, string, string, number]>('UPDATE events SET expires_at = ? WHERE event_id = ? AND owner = ? AND expires_at > ?');
    const complete = db.prepare<[string, number]>('INSERT INTO events (event_id, owner, expires_at) VALUES (?, NULL, ?) ON CONFLICT(event_id) DO UPDATE SET owner = NULL, expires_at = excluded.expires_at');
    let lastPurge = 0;
    return {
      claim: async (eventId, owner, leaseMs) => {
        const current = now();
        // Purge at most once a minute: the table stays small without a delete on every event.
        if (current - lastPurge > 60_000) {
          purge.run(current);
          lastPurge = current;
        }
        if (claim.run(eventId, owner, current + leaseMs, current).changes > 0) return 'claimed';
        return holder.get(eventId)?.owner === null ? 'answered' : 'busy';
      },
      renew: async (eventId, owner, leaseMs) => {
        const current = now();
        return renew.run(current + leaseMs, eventId, owner, current).changes > 0;
      },
      complete: async (eventId, ttlMs) => {
        complete.run(eventId, now() + ttlMs);
      },
    };
  })();

  return {
    kind: 'sqlite',
    links,
    blobs,
    conditional,
    events,
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      db.close();
    },
  };
}

function migrateSchema(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let step = current; step < SCHEMA_STEPS.length; step += 1) {
    const sql = SCHEMA_STEPS[step]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
}
