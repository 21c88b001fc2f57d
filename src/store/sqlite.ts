import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import { RECENT_QUESTIONS_KEPT } from './types.js';
import type { AskedQuestion, AssistantContexts, BlobStore, CacheStore, ConditionalStore, EventLedger, FeedbackRating, FeedbackStore, InstallationRecords, LinkStore, QuestionLog, Store, WorkspaceLinks, Workspaces } from './types.js';
import { rowToFeedback, rowToInstallation, rowToLink, rowToQuestion, type FeedbackRow, type InstallationRow, type LinkRow, type QuestionRow } from './rows.js';

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
  // Many workspaces: channel records are keyed by team too. Rows written before have team '' until
  // single-token mode adopts them for its workspace (Workspaces.adoptUnscoped).
  `CREATE TABLE channel_links_by_team (
     team_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     repo TEXT NOT NULL,
     branch TEXT,
     path TEXT,
     database TEXT,
     database_version TEXT,
     linked_by TEXT NOT NULL,
     linked_at TEXT NOT NULL,
     PRIMARY KEY (team_id, channel_id)
   );
   INSERT INTO channel_links_by_team (team_id, channel_id, repo, branch, path, database, database_version, linked_by, linked_at)
     SELECT '', channel_id, repo, branch, path, database, database_version, linked_by, linked_at FROM channel_links;
   DROP TABLE channel_links;
   ALTER TABLE channel_links_by_team RENAME TO channel_links;
   CREATE TABLE feedback (
     team_id TEXT NOT NULL, channel_id TEXT NOT NULL, message_ts TEXT NOT NULL, user_id TEXT NOT NULL,
     rating TEXT NOT NULL, comment TEXT, at TEXT NOT NULL,
     PRIMARY KEY (team_id, channel_id, message_ts, user_id)
   );
   CREATE TABLE questions (
     id INTEGER PRIMARY KEY AUTOINCREMENT, team_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_ts TEXT NOT NULL,
     user_id TEXT NOT NULL, excerpt TEXT NOT NULL, asked_at TEXT NOT NULL
   );
   CREATE INDEX questions_by_team ON questions (team_id, id);
   CREATE TABLE installations (key TEXT PRIMARY KEY, team_id TEXT, enterprise_id TEXT, data TEXT NOT NULL, installed_at TEXT NOT NULL);
   CREATE TABLE assistant_contexts (
     team_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_ts TEXT NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (team_id, channel_id, thread_ts)
   );`,
  // Claims became leases held by one answerer; NULL marks an answered event.
  `ALTER TABLE events ADD COLUMN owner TEXT;`,
];

export const STORE_FILE_NAME = 'migrate-help.sqlite';

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

  const links: WorkspaceLinks = (() => {
    const get = db.prepare<[string, string], LinkRow>('SELECT * FROM channel_links WHERE team_id = ? AND channel_id = ?');
    const upsert = db.prepare(
      `INSERT INTO channel_links (team_id, channel_id, repo, branch, path, database, database_version, linked_by, linked_at)
       VALUES (@teamId, @channelId, @repo, @branch, @path, @database, @databaseVersion, @linkedBy, @linkedAt)
       ON CONFLICT(team_id, channel_id) DO UPDATE SET repo = excluded.repo, branch = excluded.branch, path = excluded.path,
         database = excluded.database, database_version = excluded.database_version,
         linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
    );
    const remove = db.prepare<[string, string]>('DELETE FROM channel_links WHERE team_id = ? AND channel_id = ?');
    const list = db.prepare<[string], LinkRow>('SELECT * FROM channel_links WHERE team_id = ? ORDER BY channel_id');
    const linkedTo = db.prepare<[string], LinkRow & { team_id: string }>("SELECT * FROM channel_links WHERE lower(repo) = lower(?) AND repo <> '' ORDER BY team_id, channel_id");
    return {
      linkedTo: async (repo) => linkedTo.all(repo).map((row) => ({ teamId: row.team_id, link: rowToLink(row) })),
      forTeam: (teamId): LinkStore => ({
        get: async (channelId) => {
          const row = get.get(teamId, channelId);
          return row ? rowToLink(row) : undefined;
        },
        set: async (link) => {
          upsert.run({ ...link, teamId });
        },
        remove: async (channelId) => remove.run(teamId, channelId).changes > 0,
        list: async () => list.all(teamId).map(rowToLink),
      }),
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

  const feedback: FeedbackStore = (() => {
    const rate = db.prepare(
      `INSERT INTO feedback (team_id, channel_id, message_ts, user_id, rating, at) VALUES (@teamId, @channelId, @messageTs, @userId, @rating, @at)
       ON CONFLICT(team_id, channel_id, message_ts, user_id) DO UPDATE SET rating = excluded.rating, at = excluded.at`,
    );
    const comment = db.prepare<[string, string, string, string, string]>('UPDATE feedback SET comment = ? WHERE team_id = ? AND channel_id = ? AND message_ts = ? AND user_id = ?');
    const forAnswer = db.prepare<[string, string, string], FeedbackRow>('SELECT * FROM feedback WHERE team_id = ? AND channel_id = ? AND message_ts = ? ORDER BY user_id');
    const counts = db.prepare<[string], { rating: FeedbackRating; count: number }>('SELECT rating, COUNT(*) AS count FROM feedback WHERE team_id = ? GROUP BY rating');
    return {
      rate: async (entry) => {
        rate.run(entry);
      },
      comment: async (answer, userId, text) => comment.run(text, answer.teamId, answer.channelId, answer.messageTs, userId).changes > 0,
      forAnswer: async (answer) => forAnswer.all(answer.teamId, answer.channelId, answer.messageTs).map(rowToFeedback),
      counts: async (teamId) => {
        const result = { helpful: 0, not_helpful: 0 };
        for (const row of counts.all(teamId)) result[row.rating] = row.count;
        return result;
      },
    };
  })();

  const questions: QuestionLog = (() => {
    const insert = db.prepare('INSERT INTO questions (team_id, channel_id, thread_ts, user_id, excerpt, asked_at) VALUES (@teamId, @channelId, @threadTs, @userId, @excerpt, @askedAt)');
    // Only the newest few per workspace are ever shown: older ones go at once.
    const trim = db.prepare<[string, string, number]>('DELETE FROM questions WHERE team_id = ? AND id NOT IN (SELECT id FROM questions WHERE team_id = ? ORDER BY id DESC LIMIT ?)');
    const recent = db.prepare<[string, number], QuestionRow>('SELECT * FROM questions WHERE team_id = ? ORDER BY id DESC LIMIT ?');
    const record = db.transaction((question: AskedQuestion) => {
      insert.run(question);
      trim.run(question.teamId, question.teamId, RECENT_QUESTIONS_KEPT);
    });
    return {
      record: async (question) => {
        record(question);
      },
      recent: async (teamId, limit) =>
        recent.all(teamId, limit).map(rowToQuestion),
    };
  })();

  const installations: InstallationRecords = (() => {
    const save = db.prepare(
      `INSERT INTO installations (key, team_id, enterprise_id, data, installed_at) VALUES (@key, @teamId, @enterpriseId, @data, @installedAt)
       ON CONFLICT(key) DO UPDATE SET team_id = excluded.team_id, enterprise_id = excluded.enterprise_id, data = excluded.data, installed_at = excluded.installed_at`,
    );
    const get = db.prepare<[string], InstallationRow>('SELECT * FROM installations WHERE key = ?');
    const remove = db.prepare<[string]>('DELETE FROM installations WHERE key = ?');
    return {
      save: async (record) => {
        save.run(record);
      },
      get: async (key) => {
        const row = get.get(key);
        return row === undefined ? undefined : rowToInstallation(row);
      },
      remove: async (key) => remove.run(key).changes > 0,
    };
  })();

  const assistantContexts: AssistantContexts = (() => {
    const get = db.prepare<[string, string, string], { data: string }>('SELECT data FROM assistant_contexts WHERE team_id = ? AND channel_id = ? AND thread_ts = ?');
    const save = db.prepare<[string, string, string, string]>(
      'INSERT INTO assistant_contexts (team_id, channel_id, thread_ts, data) VALUES (?, ?, ?, ?) ON CONFLICT(team_id, channel_id, thread_ts) DO UPDATE SET data = excluded.data',
    );
    return {
      get: async (teamId, channelId, threadTs) => {
        const row = get.get(teamId, channelId, threadTs);
        return row === undefined ? undefined : (JSON.parse(row.data) as Record<string, string>);
      },
      save: async (teamId, channelId, threadTs, context) => {
        save.run(teamId, channelId, threadTs, JSON.stringify(context));
      },
    };
  })();

  const workspaces: Workspaces = (() => {
    // A channel the workspace already has a record for keeps it; the unscoped duplicate goes.
    const adopt = db.prepare<[string]>("UPDATE OR IGNORE channel_links SET team_id = ? WHERE team_id = ''");
    const dropUnscoped = db.prepare("DELETE FROM channel_links WHERE team_id = ''");
    const purgeSteps = [
      db.prepare<[string]>('DELETE FROM channel_links WHERE team_id = ?'),
      db.prepare<[string]>('DELETE FROM feedback WHERE team_id = ?'),
      db.prepare<[string]>('DELETE FROM questions WHERE team_id = ?'),
      db.prepare<[string]>('DELETE FROM assistant_contexts WHERE team_id = ?'),
      db.prepare<[string]>("DELETE FROM installations WHERE key = 'T:' || ?"),
    ];
    const adoptAll = db.transaction((teamId: string) => {
      const moved = adopt.run(teamId).changes;
      dropUnscoped.run();
      return moved;
    });
    const purge = db.transaction((teamId: string) => {
      for (const step of purgeSteps) step.run(teamId);
    });
    return {
      adoptUnscoped: async (teamId) => (teamId === '' ? 0 : adoptAll(teamId)),
      purge: async (teamId) => {
        purge(teamId);
      },
    };
  })();

  return {
    kind: 'sqlite',
    links,
    blobs,
    conditional,
    events,
    feedback,
    questions,
    installations,
    assistantContexts,
    workspaces,
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
