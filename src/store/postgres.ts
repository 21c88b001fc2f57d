/**
 * The shared store for many replicas (DATABASE_URL=postgres://…): every workspace's channel links,
 * feedback, recent questions, OAuth installations and assistant contexts, and the Slack event
 * ledger, in PostgreSQL. Schema steps are applied at start inside one transaction that holds a
 * PostgreSQL advisory lock, so replicas starting together apply each step once and the others wait.
 */
import pg from 'pg';
import { AppError } from '../errors.js';
import { RECENT_QUESTIONS_KEPT } from './types.js';
import type { AssistantContexts, AssistantThreadContextRecord, EventLedger, FeedbackRating, FeedbackStore, InstallationRecords, LinkStore, QuestionLog, Store, WorkspaceLinks, Workspaces } from './types.js';
import { rowToFeedback, rowToInstallation, rowToLink, rowToQuestion, type FeedbackRow, type InstallationRow, type LinkRow, type QuestionRow } from './rows.js';

/** Schema steps, applied in order; `mh_schema_migrations` records which ran. Never edit a shipped step. */
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
   CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, owner TEXT, expires_at BIGINT NOT NULL);
   CREATE INDEX slack_events_expiry ON slack_events (expires_at);`,
  // Many workspaces: channel records are keyed by team too. Rows written before have team '' until
  // single-token mode adopts them for its workspace (Workspaces.adoptUnscoped).
  `ALTER TABLE channel_links ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
   ALTER TABLE channel_links DROP CONSTRAINT channel_links_pkey;
   ALTER TABLE channel_links ADD PRIMARY KEY (team_id, channel_id);
   CREATE TABLE feedback (
     team_id TEXT NOT NULL, channel_id TEXT NOT NULL, message_ts TEXT NOT NULL, user_id TEXT NOT NULL,
     rating TEXT NOT NULL, comment TEXT, at TEXT NOT NULL,
     PRIMARY KEY (team_id, channel_id, message_ts, user_id)
   );
   CREATE TABLE questions (
     id BIGSERIAL PRIMARY KEY, team_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_ts TEXT NOT NULL,
     user_id TEXT NOT NULL, excerpt TEXT NOT NULL, asked_at TEXT NOT NULL
   );
   CREATE INDEX questions_by_team ON questions (team_id, id);
   CREATE TABLE installations (key TEXT PRIMARY KEY, team_id TEXT, enterprise_id TEXT, data TEXT NOT NULL, installed_at TEXT NOT NULL);
   CREATE TABLE assistant_contexts (
     team_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_ts TEXT NOT NULL, data JSONB NOT NULL,
     PRIMARY KEY (team_id, channel_id, thread_ts)
   );`,
];

/** Any constant works as long as every replica uses the same one: it names "migrate-help schema changes". */
const MIGRATION_LOCK_KEY = 0x6d685f73; // "mh_s"

/** Where the URL points, without its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export interface PostgresStoreOptions {
  now?: () => number;
  /** Pool size per replica. */
  maxConnections?: number;
}

/** Connect, apply the schema, and return the store; throws AppError('store_error') saying what to fix. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store & { readonly pool: pg.Pool }> {
  const now = options.now ?? Date.now;
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server emits here; without a listener that would crash the process.
  pool.on('error', () => undefined);
  try {
    await migrateSchema(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('store_error', `I could not use the PostgreSQL database at ${describeDatabaseUrl(url)} (${reason}). Check DATABASE_URL and that the server is up and the database exists.`, { cause: error });
  }

  const links = postgresLinks(pool);

  let lastPurge = 0;
  const events: EventLedger = {
    claim: async (eventId, owner, leaseMs) => {
      const current = now();
      if (current - lastPurge > 60_000) {
        lastPurge = current;
        await pool.query('DELETE FROM slack_events WHERE expires_at <= $1', [current]);
      }
      // One statement: the row is taken only when absent or lapsed, whichever replica asks first.
      const taken = await pool.query(
        `INSERT INTO slack_events (event_id, owner, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE slack_events.expires_at <= $4`,
        [eventId, owner, current + leaseMs, current],
      );
      if ((taken.rowCount ?? 0) > 0) return 'claimed';
      const { rows } = await pool.query<{ owner: string | null }>('SELECT owner FROM slack_events WHERE event_id = $1', [eventId]);
      return rows[0]?.owner === null ? 'answered' : 'busy';
    },
    renew: async (eventId, owner, leaseMs) => {
      const current = now();
      const renewed = await pool.query('UPDATE slack_events SET expires_at = $1 WHERE event_id = $2 AND owner = $3 AND expires_at > $4', [current + leaseMs, eventId, owner, current]);
      return (renewed.rowCount ?? 0) > 0;
    },
    complete: async (eventId, ttlMs) => {
      await pool.query(
        `INSERT INTO slack_events (event_id, owner, expires_at) VALUES ($1, NULL, $2)
         ON CONFLICT (event_id) DO UPDATE SET owner = NULL, expires_at = excluded.expires_at`,
        [eventId, now() + ttlMs],
      );
    },
  };

  return {
    kind: 'postgres',
    pool,
    links,
    events,
    feedback: postgresFeedback(pool),
    questions: postgresQuestions(pool),
    installations: postgresInstallations(pool),
    assistantContexts: postgresAssistantContexts(pool),
    workspaces: postgresWorkspaces(pool),
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await pool.end();
    },
  };
}

function postgresLinks(pool: pg.Pool): WorkspaceLinks {
  return {
    linkedTo: async (repo) =>
      (await pool.query<LinkRow & { team_id: string }>("SELECT * FROM channel_links WHERE lower(repo) = lower($1) AND repo <> '' ORDER BY team_id, channel_id", [repo])).rows.map((row) => ({
        teamId: row.team_id,
        link: rowToLink(row),
      })),
    forTeam: (teamId): LinkStore => ({
      get: async (channelId) => {
        const { rows } = await pool.query<LinkRow>('SELECT * FROM channel_links WHERE team_id = $1 AND channel_id = $2', [teamId, channelId]);
        return rows[0] === undefined ? undefined : rowToLink(rows[0]);
      },
      set: async (link) => {
        await pool.query(
          `INSERT INTO channel_links (team_id, channel_id, repo, branch, path, database, database_version, linked_by, linked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (team_id, channel_id) DO UPDATE SET repo = excluded.repo, branch = excluded.branch, path = excluded.path,
             database = excluded.database, database_version = excluded.database_version,
             linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
          [teamId, link.channelId, link.repo, link.branch, link.path, link.database, link.databaseVersion, link.linkedBy, link.linkedAt],
        );
      },
      remove: async (channelId) => ((await pool.query('DELETE FROM channel_links WHERE team_id = $1 AND channel_id = $2', [teamId, channelId])).rowCount ?? 0) > 0,
      list: async () => (await pool.query<LinkRow>('SELECT * FROM channel_links WHERE team_id = $1 ORDER BY channel_id', [teamId])).rows.map(rowToLink),
    }),
  };
}

function postgresFeedback(pool: pg.Pool): FeedbackStore {
  return {
    rate: async (entry) => {
      await pool.query(
        `INSERT INTO feedback (team_id, channel_id, message_ts, user_id, rating, at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (team_id, channel_id, message_ts, user_id) DO UPDATE SET rating = excluded.rating, at = excluded.at`,
        [entry.teamId, entry.channelId, entry.messageTs, entry.userId, entry.rating, entry.at],
      );
    },
    comment: async (answer, userId, text) => {
      const updated = await pool.query('UPDATE feedback SET comment = $1 WHERE team_id = $2 AND channel_id = $3 AND message_ts = $4 AND user_id = $5', [
        text,
        answer.teamId,
        answer.channelId,
        answer.messageTs,
        userId,
      ]);
      return (updated.rowCount ?? 0) > 0;
    },
    forAnswer: async (answer) =>
      (await pool.query<FeedbackRow>('SELECT * FROM feedback WHERE team_id = $1 AND channel_id = $2 AND message_ts = $3 ORDER BY user_id', [answer.teamId, answer.channelId, answer.messageTs])).rows.map(
        rowToFeedback,
      ),
    counts: async (teamId) => {
      const result = { helpful: 0, not_helpful: 0 };
      const { rows } = await pool.query<{ rating: FeedbackRating; count: number }>('SELECT rating, COUNT(*)::int AS count FROM feedback WHERE team_id = $1 GROUP BY rating', [teamId]);
      for (const row of rows) result[row.rating] = row.count;
      return result;
    },
  };
}

function postgresQuestions(pool: pg.Pool): QuestionLog {
  return {
    record: async (question) => {
      // Only the newest few per workspace are ever shown: older ones go in the same transaction.
      await inTransaction(pool, async (client) => {
        await client.query('INSERT INTO questions (team_id, channel_id, thread_ts, user_id, excerpt, asked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          question.teamId,
          question.channelId,
          question.threadTs,
          question.userId,
          question.excerpt,
          question.askedAt,
        ]);
        await client.query('DELETE FROM questions WHERE team_id = $1 AND id NOT IN (SELECT id FROM questions WHERE team_id = $1 ORDER BY id DESC LIMIT $2)', [question.teamId, RECENT_QUESTIONS_KEPT]);
      });
    },
    recent: async (teamId, limit) =>
      (await pool.query<QuestionRow>('SELECT * FROM questions WHERE team_id = $1 ORDER BY id DESC LIMIT $2', [teamId, limit])).rows.map(rowToQuestion),
  };
}

function postgresInstallations(pool: pg.Pool): InstallationRecords {
  return {
    save: async (record) => {
      await pool.query(
        `INSERT INTO installations (key, team_id, enterprise_id, data, installed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO UPDATE SET team_id = excluded.team_id, enterprise_id = excluded.enterprise_id, data = excluded.data, installed_at = excluded.installed_at`,
        [record.key, record.teamId, record.enterpriseId, record.data, record.installedAt],
      );
    },
    get: async (key) => {
      const row = (await pool.query<InstallationRow>('SELECT * FROM installations WHERE key = $1', [key])).rows[0];
      return row === undefined ? undefined : rowToInstallation(row);
    },
    remove: async (key) => ((await pool.query('DELETE FROM installations WHERE key = $1', [key])).rowCount ?? 0) > 0,
  };
}

function postgresAssistantContexts(pool: pg.Pool): AssistantContexts {
  return {
    get: async (teamId, channelId, threadTs) => {
      const { rows } = await pool.query<{ data: AssistantThreadContextRecord }>('SELECT data FROM assistant_contexts WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3', [
        teamId,
        channelId,
        threadTs,
      ]);
      return rows[0]?.data;
    },
    save: async (teamId, channelId, threadTs, context) => {
      await pool.query(
        'INSERT INTO assistant_contexts (team_id, channel_id, thread_ts, data) VALUES ($1, $2, $3, $4) ON CONFLICT (team_id, channel_id, thread_ts) DO UPDATE SET data = excluded.data',
        [teamId, channelId, threadTs, JSON.stringify(context)],
      );
    },
  };
}

function postgresWorkspaces(pool: pg.Pool): Workspaces {
  return {
    adoptUnscoped: async (teamId) => {
      if (teamId === '') return 0;
      return inTransaction(pool, async (client) => {
        // A channel the workspace already has a record for keeps it; the unscoped duplicate goes.
        const moved = await client.query(
          "UPDATE channel_links SET team_id = $1 WHERE team_id = '' AND channel_id NOT IN (SELECT channel_id FROM channel_links WHERE team_id = $1)",
          [teamId],
        );
        await client.query("DELETE FROM channel_links WHERE team_id = ''");
        return moved.rowCount ?? 0;
      });
    },
    purge: async (teamId) => {
      await inTransaction(pool, async (client) => {
        for (const table of ['channel_links', 'feedback', 'questions', 'assistant_contexts']) await client.query(`DELETE FROM ${table} WHERE team_id = $1`, [teamId]);
        await client.query('DELETE FROM installations WHERE key = $1', [`T:${teamId}`]);
      });
    },
  };
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Apply the steps not yet recorded, under a transaction-scoped advisory lock (released at COMMIT or on disconnect). */
async function migrateSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS mh_schema_migrations (step INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ done: number }>('SELECT COALESCE(MAX(step), 0)::int AS done FROM mh_schema_migrations');
    for (let step = rows[0]!.done; step < SCHEMA_STEPS.length; step += 1) {
      await client.query(SCHEMA_STEPS[step]!);
      await client.query('INSERT INTO mh_schema_migrations (step) VALUES ($1)', [step + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** How many schema steps this version ships (tests check a fresh database ends there). */
export const POSTGRES_SCHEMA_STEPS = SCHEMA_STEPS.length;
