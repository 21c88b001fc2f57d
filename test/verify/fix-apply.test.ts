/**
 * Every fix recipe applied for real: Debian's Django runs the generated migrations on PostgreSQL,
 * release by release, while a writer does short transactions on the table with the code of the
 * release deployed at that point; the migration connection has a short lock_timeout. The original
 * migration runs the same way in a second database. The fix must migrate, the writer must see no
 * error, and both schemas must be equal (catalog dumps).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFix } from '../../src/engine/fix/index.js';
import type { FixedFile } from '../../src/engine/fix/index.js';
import { loadSqlParser } from '../../src/engine/sql/index.js';
import { FIX_CASES, INITIAL } from '../engine/fix/cases.js';
import type { FixCase } from '../engine/fix/cases.js';
import { caseTree, RISKY_PATH } from '../engine/fix/helpers.js';
import { djangoMissing, djangoVersion, dumpSchema, migrate, scaffold, Writer } from './django.js';
import { PG, pgReachable, runId, unreachable } from './servers.js';

const ROWS = 100_000;
const LOCK_TIMEOUT_MS = 1000;
/** Transactions the writer commits before a migration starts, so it is known to be running. */
const WARM_UP = 20;

let version: string | null = null;
let django: string | null = null;
let admin: pg.Client;
const databases: string[] = [];
const dirs: string[] = [];
const figures: string[] = [];

beforeAll(async () => {
  version = await pgReachable();
  django = djangoVersion();
  await loadSqlParser();
  if (!version) return;
  admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
});

afterAll(async () => {
  if (figures.length > 0) console.log(['fix round trips (writer max transaction latency while migrating):', ...figures].join('\n'));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (!admin) return;
  for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

async function database(suffix: string): Promise<{ name: string; client: pg.Client }> {
  const name = `${runId()}_${suffix}`;
  databases.push(name);
  await admin.query(`CREATE DATABASE ${name}`);
  const client = new pg.Client({ ...PG, database: name });
  await client.connect();
  return { name, client };
}

async function seed(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO shop_author (name) SELECT 'a-' || n FROM generate_series(1, 100) AS n`);
  await client.query(`INSERT INTO shop_book (title, pages, author_name) SELECT 'b-' || n, n % 500, 'a' FROM generate_series(1, ${ROWS}) AS n`);
  await client.query('ANALYZE');
}

/** A project at 0001 with seeded rows and a running writer (its own connection). */
async function prepared(fixCase: FixCase, suffix: string, files: Array<{ name: string; source: string }>) {
  const db = await database(suffix);
  const dir = mkdtempSync(join(tmpdir(), `migrate-help-fix-${suffix}-`));
  dirs.push(dir);
  const migrations = scaffold(dir, db.name, LOCK_TIMEOUT_MS);
  writeFileSync(join(migrations, '0001_initial.py'), INITIAL);
  const initial = await migrate(dir, '0001_initial');
  expect(initial.code, initial.output).toBe(0);
  for (const file of files) writeFileSync(join(migrations, `${file.name}.py`), file.source);
  await seed(db.client);
  const writerClient = new pg.Client({ ...PG, database: db.name });
  await writerClient.connect();
  const writer = new Writer(writerClient, fixCase.writer);
  writer.start();
  await writer.progressed(WARM_UP);
  return { db, dir, writer, close: async () => (await writer.stop(), await writerClient.end(), await db.client.end()) };
}

/**
 * Apply the fix one release at a time, the writer running the code of the release before. Each
 * release in `unchanged` must leave the catalog as it found it.
 */
async function applyReleases(dir: string, writer: Writer, files: readonly FixedFile[], client: pg.Client, unchanged: readonly number[] = []): Promise<{ maxLatencyMs: number; ms: number }> {
  const releases = [...new Set(files.map((f) => f.release))].sort((a, b) => a - b);
  let maxLatencyMs = 0;
  let ms = 0;
  for (const release of releases) {
    writer.phase = release - 1;
    await writer.progressed(2);
    writer.resetLatency();
    const last = files.filter((f) => f.release === release).at(-1)!;
    const before = unchanged.includes(release) ? await dumpSchema(client) : undefined;
    const run = await migrate(dir, last.name);
    expect(run.code, run.output).toBe(0);
    if (before) expect(await dumpSchema(client), `release ${release} changed the catalog`).toEqual(before);
    await writer.progressed(1);
    maxLatencyMs = Math.max(maxLatencyMs, writer.maxLatencyMs);
    ms += run.ms;
  }
  return { maxLatencyMs, ms };
}

describe('generated fixes applied by Django on PostgreSQL under a concurrent writer', () => {
  it.for(FIX_CASES)('$name ($recipe)', { timeout: 180_000 }, async (fixCase, context) => {
    if (!version) return context.skip(unreachable('PostgreSQL'));
    if (!django) return context.skip(djangoMissing());
    const { files, source } = await caseTree(fixCase.operation);
    const result = generateFix({ files, path: RISKY_PATH, source, settings: { database: 'postgresql', databaseVersion: version.split(/[ .]/)[0]! } });
    expect(result.fixed.map((f) => f.recipe)).toEqual([fixCase.recipe]);

    const original = await prepared(fixCase, 'orig', [{ name: '0002_change', source }]);
    let originalRun, originalLatency, originalErrors, expected;
    try {
      original.writer.resetLatency();
      originalRun = await migrate(original.dir);
      await original.writer.progressed(1);
      originalLatency = original.writer.maxLatencyMs;
      originalErrors = original.writer.errors.length;
      expected = await dumpSchema(original.db.client);
    } finally {
      await original.close();
    }
    expect(originalRun.code, originalRun.output).toBe(0);

    const fixed = await prepared(fixCase, 'fix', result.files);
    let applied, errors, actual;
    try {
      applied = await applyReleases(fixed.dir, fixed.writer, result.files, fixed.db.client, fixCase.catalogUnchangedBy);
      errors = [...fixed.writer.errors];
      actual = await dumpSchema(fixed.db.client);
    } finally {
      await fixed.close();
    }

    figures.push(
      `  ${fixCase.recipe}: original ${originalLatency.toFixed(0)} ms (${originalErrors} writer errors, migrate ${originalRun.ms.toFixed(0)} ms); fixed ${applied.maxLatencyMs.toFixed(0)} ms (${errors.length} writer errors, ${result.files.length} files, migrate ${applied.ms.toFixed(0)} ms)`,
    );
    expect(errors).toEqual([]);
    // Compared after the last release. For RenameModel that is after the table moved to the new name and
    // its view under the old one was dropped: release 1 alone keeps the old table name on purpose (its
    // catalog is checked to be the untouched one instead), and release 2 still has the view.
    expect(actual).toEqual(expected);
  });
});
