/**
 * Every lock, rewrite and scan claim of the predicted PostgreSQL SQL, observed on a real server:
 * each statement runs in its own transaction on tables with rows, and before COMMIT the same session
 * reads pg_locks (modes held), pg_class.relfilenode (rewrite) and pg_stat_xact_user_tables (scans).
 * CONCURRENTLY statements run outside a transaction; a second session watches their locks while an
 * open snapshot holds them at their wait phase.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, predictSql, PG_LOCK_MODES } from '../../src/engine/sql/index.js';
import type { PgLockMode, SqlStatement } from '../../src/engine/sql/index.js';
import { fixtureMigrations } from '../engine/sql/fixtures.js';
import { seedAfter } from './seed.js';
import { PG, pgReachable, runId, unreachable } from './servers.js';

const PG_MODE: Record<string, PgLockMode> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  ExclusiveLock: 'EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
};

interface Tally {
  checked: number;
  holding: number;
  mismatches: string[];
}

const database = runId();
let version: string | null = null;
let admin: pg.Client;

beforeAll(async () => {
  version = await pgReachable();
  if (!version) return;
  admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
});

afterAll(async () => {
  if (!admin) return;
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ ...PG, database });
  await client.connect();
  return client;
}

/** Strongest mode this backend (or `pid`) holds on each relation, by oid (a renamed or dropped table keeps its oid). */
async function heldLocks(client: pg.Client, pid?: number): Promise<Map<string, PgLockMode>> {
  const { rows } = await client.query<{ relation: string; mode: string }>(
    `SELECT l.relation::text AS relation, l.mode FROM pg_locks l WHERE l.locktype = 'relation' AND l.granted AND l.pid = ${pid === undefined ? 'pg_backend_pid()' : '$1'}`,
    pid === undefined ? [] : [pid],
  );
  const held = new Map<string, PgLockMode>();
  for (const row of rows) {
    const mode = PG_MODE[row.mode];
    if (!mode) continue;
    const previous = held.get(row.relation);
    if (!previous || PG_LOCK_MODES.indexOf(mode) > PG_LOCK_MODES.indexOf(previous)) held.set(row.relation, mode);
  }
  return held;
}

/** The oid of each relation a statement claims a lock on, if it exists yet. */
async function relationOids(client: pg.Client, statement: SqlStatement): Promise<Map<string, string>> {
  const oids = new Map<string, string>();
  for (const claim of statement.locks) {
    const { rows } = await client.query<{ oid: string }>("SELECT oid::text FROM pg_class WHERE relname = $1 AND relkind IN ('r', 'i', 'p')", [claim.relation]);
    if (rows[0]) oids.set(claim.relation, rows[0].oid);
  }
  return oids;
}

async function relfilenode(client: pg.Client, table: string): Promise<string | null> {
  const { rows } = await client.query<{ relfilenode: string }>("SELECT relfilenode::text FROM pg_class WHERE relname = $1 AND relkind = 'r'", [table]);
  return rows[0]?.relfilenode ?? null;
}

async function xactScans(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ seq_scan: string }>('SELECT seq_scan::text FROM pg_stat_xact_user_tables WHERE relname = $1', [table]);
  return Number(rows[0]?.seq_scan ?? 0);
}

function record(tally: Tally, claim: string, holds: boolean): void {
  tally.checked++;
  if (holds) tally.holding++;
  else tally.mismatches.push(claim);
}

function checkLocks(tally: Tally, statement: SqlStatement, held: Map<string, PgLockMode>, oids: Map<string, string>): void {
  for (const claim of statement.locks) {
    const oid = oids.get(claim.relation);
    const observed = (oid && held.get(oid)) ?? 'none';
    record(tally, `${statement.sql}\n  lock on ${claim.relation}: claimed ${claim.mode}, held ${observed}`, observed === claim.mode);
  }
}

async function runInTransaction(client: pg.Client, statement: SqlStatement, tally: Tally): Promise<void> {
  const table = statement.table;
  await client.query('BEGIN');
  const nodeBefore = table ? await relfilenode(client, table) : null;
  const scansBefore = table ? await xactScans(client, table) : 0;
  const oids = await relationOids(client, statement);
  await client.query(statement.sql);
  // A table the statement creates exists only now.
  for (const [relation, oid] of await relationOids(client, statement)) if (!oids.has(relation)) oids.set(relation, oid);
  checkLocks(tally, statement, await heldLocks(client), oids);
  if (table) {
    const nodeAfter = await relfilenode(client, table);
    const rewritten = nodeBefore !== null && nodeAfter !== null && nodeBefore !== nodeAfter;
    record(tally, `${statement.sql}\n  rewrite: claimed ${statement.rewrite}, observed ${rewritten}`, rewritten === statement.rewrite);
    // A table that did not exist before the statement holds no rows to read.
    const scanned = nodeBefore !== null && nodeAfter !== null && (await xactScans(client, table)) > scansBefore;
    record(tally, `${statement.sql}\n  scan: claimed ${statement.scan}, observed ${scanned}`, scanned === statement.scan);
  }
  await client.query('COMMIT');
}

/** Hold a snapshot open so the CONCURRENTLY statement stops at its wait phase, read its locks, let it finish. */
async function runConcurrently(client: pg.Client, statement: SqlStatement, tally: Tally): Promise<void> {
  const blocker = await connect();
  const observer = await connect();
  try {
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await blocker.query(`SELECT count(*) FROM ${JSON.stringify(statement.table)}`);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]!.pid;
    const oids = await relationOids(client, statement);
    const running = client.query(statement.sql);
    let held = new Map<string, PgLockMode>();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const waiting = await observer.query("SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted AND locktype IN ('virtualxid', 'transactionid')", [pid]);
      if (waiting.rowCount) {
        held = await heldLocks(observer, pid);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${statement.sql} never reached its wait phase`);
    }
    await blocker.query('COMMIT');
    await running;
    checkLocks(tally, statement, held, oids);
  } finally {
    await blocker.end();
    await observer.end();
  }
}

describe('PostgreSQL: predicted lock, rewrite and scan claims hold on a real server', () => {
  it('observes every claim of the fixture migrations', async (context) => {
    if (!version) return context.skip(unreachable('PostgreSQL'));
    await loadSqlParser();
    const files = await fixtureMigrations();
    const major = version.split(/[ .]/)[0]!;
    // The fixture project's DEFAULT_AUTO_FIELD (join tables' id), as in test/engine/sql/predict.test.ts.
    const migrations = predictSql(files, { database: 'postgresql', version: major }, { defaultAutoField: 'BigAutoField' });
    const client = await connect();
    const tally: Tally = { checked: 0, holding: 0, mismatches: [] };
    try {
      for (const migration of migrations) {
        const all = migration.operations.flatMap((op) => op.statements);
        for (const statement of [...all.filter((s) => !s.deferred), ...all.filter((s) => s.deferred)]) {
          if (statement.transactional) await runInTransaction(client, statement, tally);
          else await runConcurrently(client, statement, tally);
        }
        for (const sql of seedAfter(migration.name, (name) => `"${name}"`)) await client.query(sql);
      }
    } finally {
      await client.end();
    }
    console.log(`PostgreSQL ${version}: ${tally.checked} claims checked, ${tally.holding} holding`);
    expect(tally.mismatches).toEqual([]);
    expect(tally.checked).toBeGreaterThan(100);
  }, 120_000);
});
