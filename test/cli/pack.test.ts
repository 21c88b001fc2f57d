/**
 * The package as users get it: `npm pack` the built tree, install the tarball into an empty prefix
 * with production dependencies only and no network, then run the installed `migrate-help`.
 *
 * The install is `npm ci --offline` against a lockfile made from ours: `npm ci` caches the
 * dependencies' tarballs but not the registry metadata that resolving `npm install <tgz>` needs, so
 * a lockfile that already names every version is what lets the install work from the cache alone.
 * Install scripts are skipped (`--ignore-scripts`): offline they cannot fetch better-sqlite3's
 * prebuilt binary, and the CLI needs no native SQLite.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from './helpers.js';

const run = promisify(execFile);
const ROOT = join(FIXTURES, '../../..');

interface Manifest {
  name: string;
  version: string;
  license?: string;
  bin: Record<string, string>;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
  overrides?: Record<string, unknown>;
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/** The prefix's lockfile: the tarball as its one dependency, and every production package of ours, as locked. */
function prefixLockfile(manifest: Manifest, tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'pack-test', dependencies: { [manifest.name]: spec } },
    [`node_modules/${manifest.name}`]: { version: manifest.version, resolved: spec, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin, engines: manifest.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry;
  }
  return { name: 'pack-test', lockfileVersion: 3, requires: true, packages };
}

describe('the packed tarball', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  let scratch: string;
  let files: string[];
  let installedBin: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'migrate-help-pack-'));
    // dist/ is fresh from test/global-setup.ts; --ignore-scripts keeps `prepare` from rebuilding it
    // while other test files run the built CLI.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [result] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = result!.files.map((file) => file.path);
    const prefix = join(scratch, 'prefix');
    await run('mkdir', [prefix]);
    await run('mv', [join(scratch, result!.filename), prefix]);
    // Overrides apply only at an install's root, so the installing project repeats ours (docs/deployment.md says so).
    const overrides = manifest.overrides === undefined ? {} : { overrides: manifest.overrides };
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'pack-test', private: true, dependencies: { [manifest.name]: `file:${result!.filename}` }, ...overrides }));
    writeFileSync(join(prefix, 'package-lock.json'), JSON.stringify(prefixLockfile(manifest, result!.filename)));
    await run('npm', ['ci', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: prefix, maxBuffer: 16 * 1024 * 1024 });
    installedBin = join(prefix, 'node_modules/.bin/migrate-help');
  }, 180_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('holds the built code, the bin and the prompts, and no sources, tests or source maps', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'bin/migrate-help.js', 'dist/cli.js', 'dist/main.js', 'dist/console.js', 'prompts/system.md', 'knowledge/squashing-migrations.md']));
    expect(files.filter((path) => /^(src|test|bench|scripts|docs)\/|\.map$|\.ts$/.test(path))).toEqual([]);
  });

  it('installs without dev dependencies', () => {
    const modules = join(installedBin, '../..');
    expect(existsSync(join(modules, manifest.name, 'dist/cli.js'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'tsx', 'esbuild']) expect(existsSync(join(modules, dev)), dev).toBe(false);
  });

  it('runs --version through the installed bin link', async () => {
    const { stdout } = await run(installedBin, ['--version']);
    expect(stdout.trim()).toBe(manifest.version);
  });

  it('check: the report and exit 1 on an error finding; exit 0 on a clean tree', async () => {
    const risky = await runBin(['check', join(FIXTURES, 'project')], { cwd: scratch, bin: installedBin });
    expect(risky.stderr).toBe('');
    expect(risky.code).toBe(1);
    expect(risky.stdout).toContain('add-field-not-null-without-db-default');
    expect(risky.stdout).toContain('1 error, 0 warnings, 0 info in 3 migration files for PostgreSQL 16.');
    const clean = await runBin(['check', join(FIXTURES, 'clean'), '--format', 'json'], { cwd: scratch, bin: installedBin });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ findings: [] });
  });

  it('diagnose: the playbook for a pasted error', async () => {
    const paste = "django.db.migrations.exceptions.InconsistentMigrationHistory: Migration admin.0001_initial is applied before its dependency accounts.0001_initial on database 'default'.";
    const diagnosed = await runBin(['diagnose'], { cwd: scratch, input: paste, bin: installedBin });
    expect(diagnosed.code).toBe(0);
    expect(diagnosed.stdout).toContain('python manage.py migrate accounts 0001_initial --fake');
  });
});
