/**
 * The shared store for many replicas (DATABASE_URL=postgres://…): channel links and the Slack event
 * ledger in PostgreSQL. Schema steps are applied at start inside one transaction that holds a
 * PostgreSQL advisory lock, so replicas starting together apply each step once and the others wait.
 */
import pg from 'pg';
import { AppError } from '../errors.js';
import type { ChannelLink, EventLedger, LinkStore, Store } from './types.js';

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
];

/** Any constant works as long as every replica uses the same one: it names "migrate-help schema changes". */
const MIGRATION_LOCK_KEY = 0x6d685f73; // "mh_s"

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

  const links: LinkStore = {
    get: async (channelId) => {
      const { rows } = await pool.query<LinkRow>('SELECT * FROM channel_links WHERE channel_id = $1', [channelId]);
      return rows[0] === undefined ? undefined : rowToLink(rows[0]);
    },
    set: async (link) => {
      await pool.query(
        `INSERT INTO channel_links (channel_id, repo, branch, path, database, database_version, linked_by, linked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (channel_id) DO UPDATE SET repo = excluded.repo, branch = excluded.branch, path = excluded.path,
           database = excluded.database, database_version = excluded.database_version,
           linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
        [link.channelId, link.repo, link.branch, link.path, link.database, link.databaseVersion, link.linkedBy, link.linkedAt],
      );
    },
    remove: async (channelId) => ((await pool.query('DELETE FROM channel_links WHERE channel_id = $1', [channelId])).rowCount ?? 0) > 0,
    list: async () => (await pool.query<LinkRow>('SELECT * FROM channel_links ORDER BY channel_id')).rows.map(rowToLink),
  };

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
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await pool.end();
    },
  };
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
