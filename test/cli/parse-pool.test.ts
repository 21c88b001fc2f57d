import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../src/engine/index.js';
import { discoverMigrations } from '../../src/cli/files.js';
import { MIN_FILES_PER_WORKER, readAndParseAll, workerCount } from '../../src/cli/parse-pool.js';
import { runBin } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/migrations');
/** The worker as users run it: the build test/global-setup.ts made. */
const WORKER = pathToFileURL(join(import.meta.dirname, '../../dist/parse-worker.js'));

/** A tree of `copies` apps, each holding every fixture migration (broken ones included). */
function fixtureTree(copies: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrate-help-pool-'));
  for (const fixture of readdirSync(FIXTURES)) {
    for (let copy = 0; copy < copies; copy++) cpSync(join(FIXTURES, fixture, 'migrations'), join(dir, `${fixture}_${copy}`, 'migrations'), { recursive: true });
  }
  return dir;
}

describe('parse pool', () => {
  let dir: string;
  beforeAll(async () => {
    await initParser();
    dir = fixtureTree(100);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns what the main thread reads, in order, for the files the workers parsed', async () => {
    const sources = discoverMigrations([dir], { cwd: dir });
    expect(sources.length).toBeGreaterThan(1000);
    const alone = await readAndParseAll(sources, { workers: 0 });
    const pooled = await readAndParseAll(sources, { workers: 2, script: WORKER });
    expect(alone.byWorkers).toBe(0);
    expect(pooled.byWorkers).toBeGreaterThan(0);
    expect(pooled.outcomes).toStrictEqual(alone.outcomes);
  });

  it('reports an unreadable file from a worker as the main thread does', async () => {
    const sources = discoverMigrations([dir], { cwd: dir });
    const missing = sources.map((source, index) => (index % 7 === 3 ? { ...source, abs: join(dir, 'gone', source.path) } : source));
    const alone = await readAndParseAll(missing, { workers: 0 });
    const pooled = await readAndParseAll(missing, { workers: 1, script: WORKER });
    expect(pooled.byWorkers).toBeGreaterThan(0);
    expect(pooled.outcomes).toStrictEqual(alone.outcomes);
    expect(alone.outcomes[3]).toEqual({ failure: { path: sources[3]!.path, reason: 'ENOENT' } });
  });

  it('parses on the main thread what a worker that fails to start leaves', async () => {
    const sources = discoverMigrations([dir], { cwd: dir }).slice(0, 50);
    const pooled = await readAndParseAll(sources, { workers: 1, script: pathToFileURL(join(dir, 'no-such-worker.js')) });
    expect(pooled.byWorkers).toBe(0);
    expect(pooled.outcomes).toStrictEqual((await readAndParseAll(sources, { workers: 0 })).outcomes);
  });

  it('starts workers only for big trees on idle cores, unless MIGRATE_HELP_PARSE_WORKERS says otherwise', () => {
    const idle = { cores: 2, load: 0.3 };
    expect(workerCount(MIN_FILES_PER_WORKER - 1, {}, idle)).toBe(0);
    expect(workerCount(MIN_FILES_PER_WORKER, {}, idle)).toBe(1);
    expect(workerCount(100_000, {}, idle)).toBe(1);
    expect(workerCount(100_000, {}, { cores: 2, load: 1.5 })).toBe(0);
    expect(workerCount(100_000, {}, { cores: 8, load: 2.2 })).toBe(3);
    expect(workerCount(100_000, {}, { cores: 8, load: 5.5 })).toBe(2);
    expect(workerCount(100_000, {}, { cores: 2, load: 1 })).toBe(0);
    expect(workerCount(10, { MIGRATE_HELP_PARSE_WORKERS: '2' }, { cores: 2, load: 9 })).toBe(2);
    expect(workerCount(100_000, { MIGRATE_HELP_PARSE_WORKERS: '0' }, idle)).toBe(0);
  });

  it('gives the same check report through the built bin with and without workers', async () => {
    const args = ['check', dir, '--format', 'json', '--fail-on', 'never'];
    const alone = await runBin(args, { cwd: dir, env: { MIGRATE_HELP_PARSE_WORKERS: '0' } });
    const pooled = await runBin(args, { cwd: dir, env: { MIGRATE_HELP_PARSE_WORKERS: '2' } });
    expect(alone.code).toBe(0);
    expect(pooled.stdout).toBe(alone.stdout);
    expect(JSON.parse(alone.stdout).findings.length).toBeGreaterThan(0);
  }, 60_000);
});
