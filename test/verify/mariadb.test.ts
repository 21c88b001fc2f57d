/**
 * Every ALGORITHM/LOCK and rewrite claim of the predicted MariaDB SQL, observed on a real server:
 * each ALTER runs first with a stricter clause than claimed (the server must refuse it), then with
 * the claimed clause (the server must accept it). A rebuild shows as a new InnoDB table id.
 */
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictSql } from '../../src/engine/sql/index.js';
import type { MysqlAlgorithm, MysqlLock, SqlStatement } from '../../src/engine/sql/index.js';
import { fixtureMigrations } from '../engine/sql/fixtures.js';
import { seedAfterMariadb } from './seed.js';
import { MARIADB, mariadbReachable, runId, unreachable } from './servers.js';

const database = runId();
let version: string | null = null;
let connection: Connection;

beforeAll(async () => {
  version = await mariadbReachable();
  if (!version) return;
  connection = await mysql.createConnection({ ...MARIADB, multipleStatements: false });
  await connection.query(`CREATE DATABASE ${database}`);
  await connection.query(`USE ${database}`);
});

afterAll(async () => {
  if (!connection) return;
  await connection.query(`DROP DATABASE IF EXISTS ${database}`);
  await connection.end();
});

/** Clauses stricter than the claim: a cheaper algorithm, or less locking. */
function stricter(algorithm: MysqlAlgorithm, lock: MysqlLock): Array<[MysqlAlgorithm, MysqlLock]> {
  const out: Array<[MysqlAlgorithm, MysqlLock]> = [];
  if (algorithm === 'COPY') out.push(['INPLACE', lock]);
  if (algorithm === 'INPLACE') out.push(['INSTANT', lock]);
  if (lock === 'SHARED') out.push([algorithm, 'NONE']);
  if (lock === 'EXCLUSIVE') out.push([algorithm, 'SHARED']);
  return out;
}

function withClause(sql: string, algorithm: MysqlAlgorithm, lock: MysqlLock): string {
  if (/^CREATE INDEX\b/.test(sql)) return `${sql} ALGORITHM=${algorithm} LOCK=${lock}`;
  // MariaDB's DROP INDEX takes no ALGORITHM clause; it is the same operation as ALTER TABLE … DROP INDEX.
  const drop = /^DROP INDEX (`[^`]+`) ON (`[^`]+`)$/.exec(sql);
  if (drop) return `ALTER TABLE ${drop[2]} DROP INDEX ${drop[1]}, ALGORITHM=${algorithm}, LOCK=${lock}`;
  return `${sql}, ALGORITHM=${algorithm}, LOCK=${lock}`;
}

async function tableId(table: string | null): Promise<string | null> {
  if (!table) return null;
  const [rows] = await connection.query('SELECT TABLE_ID AS id FROM information_schema.INNODB_SYS_TABLES WHERE NAME = ?', [`${database}/${table}`]);
  return (rows as Array<{ id: number }>)[0]?.id.toString() ?? null;
}

interface Tally {
  checked: number;
  holding: number;
  mismatches: string[];
}

async function refused(sql: string): Promise<boolean> {
  try {
    await connection.query(sql);
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (/ALTER_OPERATION_NOT_SUPPORTED/.test(code)) return true;
    throw error;
  }
}

async function verifyAlter(statement: SqlStatement, tally: Tally): Promise<void> {
  const { algorithm, lock } = statement.alter!;
  const before = await tableId(statement.table);
  let applied = false;
  for (const [a, l] of stricter(algorithm, lock)) {
    const wasRefused = await refused(withClause(statement.sql, a, l));
    tally.checked++;
    if (wasRefused) tally.holding++;
    else {
      tally.mismatches.push(`${statement.sql}\n  accepted ALGORITHM=${a}, LOCK=${l}, stricter than the claimed ${statement.lock}`);
      applied = true;
      break;
    }
  }
  if (!applied) {
    tally.checked++;
    try {
      await connection.query(withClause(statement.sql, algorithm, lock));
      tally.holding++;
    } catch (error) {
      tally.mismatches.push(`${statement.sql}\n  refused the claimed ${statement.lock}: ${(error as Error).message}`);
      await connection.query(statement.sql);
    }
  }
  const after = await tableId(statement.table);
  const rebuilt = before !== null && after !== null && before !== after;
  tally.checked++;
  if (rebuilt === statement.rewrite) tally.holding++;
  else tally.mismatches.push(`${statement.sql}\n  rewrite: claimed ${statement.rewrite}, observed ${rebuilt}`);
}

describe('MariaDB: predicted ALGORITHM/LOCK and rewrite claims hold on a real server', () => {
  it('the server refuses a stricter clause and accepts the claimed one, for every ALTER', async (context) => {
    if (!version) return context.skip(unreachable('MariaDB'));
    const serverVersion = /^(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? version;
    const files = await fixtureMigrations();
    // The fixture project's DEFAULT_AUTO_FIELD (join tables' id), as in test/engine/sql/predict.test.ts.
    const migrations = predictSql(files, { database: version.includes('MariaDB') ? 'mariadb' : 'mysql', version: serverVersion }, { defaultAutoField: 'BigAutoField' });
    const tally: Tally = { checked: 0, holding: 0, mismatches: [] };
    for (const migration of migrations) {
      const all = migration.operations.flatMap((op) => op.statements);
      for (const statement of [...all.filter((s) => !s.deferred), ...all.filter((s) => s.deferred)]) {
        if (statement.alter) await verifyAlter(statement, tally);
        else await connection.query(statement.sql);
      }
      for (const sql of seedAfterMariadb(migration.name)) await connection.query(sql);
    }
    console.log(`MariaDB ${version}: ${tally.checked} claims checked, ${tally.holding} holding`);
    expect(tally.mismatches).toEqual([]);
    expect(tally.checked).toBeGreaterThan(40);
  }, 120_000);
});
