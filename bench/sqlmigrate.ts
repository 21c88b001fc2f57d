/**
 * `npm run bench:sqlmigrate -- <tree dir> [--swappable AUTH_USER_MODEL=app.Model] [--default-auto-field BigAutoField] [--show N] [--unknown] [--django-cache file.json]`: the engine's
 * predicted PostgreSQL statements against Django 5.2's own (scripts/django-sqlmigrate.py, run on a
 * throwaway database on the local server), operation by operation, after whitespace normalisation.
 * Needs a Django source tree at $DJANGO_SOURCE (default /tmp/django52) and /usr/bin/python3 with psycopg2.
 * Reads the tree in place; copies and writes nothing there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverMigrations, readMigrations } from '../src/cli/files.js';
import { loadSqlParser, predictSql } from '../src/engine/sql/index.js';
import type { MigrationSql, OperationSql } from '../src/engine/sql/index.js';
import type { MigrationFile } from '../src/engine/types.js';

const CONTRIB = ['contenttypes', 'auth', 'admin', 'sessions', 'sites', 'flatpages', 'redirects'];
const DJANGO_SOURCE = process.env['DJANGO_SOURCE'] ?? '/tmp/django52';
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), '../scripts/django-sqlmigrate.py');

interface DjangoMigration {
  app: string;
  name: string;
  operations?: string[][];
  deferred?: string[];
  error?: string;
  failedAt?: number;
  applyError?: string;
  /** It imported code the driver stubbed (project or third-party modules outside the tree). */
  stubbed?: boolean;
  /** An earlier migration of its app failed in Django: the schema Django introspects may differ. */
  tainted?: boolean;
}

interface DjangoRun {
  fatal?: string;
  unloadable: Array<{ app: string; name: string; reason: string }>;
  migrations: DjangoMigration[];
}

interface Tally {
  compared: number;
  equal: number;
  diffs: string[];
  claimedRefused: number;
}

function parseArgs(argv: string[]): { tree: string; swappable: Record<string, string>; show: number; defaultAutoField: string | undefined; djangoCache: string | undefined } {
  const swappable: Record<string, string> = {};
  let show = 5;
  let defaultAutoField: string | undefined;
  let djangoCache: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--swappable') {
      const [key, value] = (argv[++i] ?? '').split('=');
      if (key && value) swappable[key] = value;
    } else if (argv[i] === '--show') show = Number(argv[++i]);
    else if (argv[i] === '--default-auto-field') defaultAutoField = argv[++i]?.split('.').pop();
    else if (argv[i] === '--django-cache') djangoCache = argv[++i];
    else if (argv[i] === '--unloadable' || argv[i] === '--no-stubs' || argv[i] === '--unknown') continue;
    else rest.push(argv[i]!);
  }
  if (rest.length !== 1) {
    console.error('usage: npm run bench:sqlmigrate -- <tree dir> [--swappable AUTH_USER_MODEL=app.Model] [--default-auto-field BigAutoField] [--show N] [--unloadable] [--no-stubs] [--unknown] [--django-cache file.json]');
    process.exit(2);
  }
  return { tree: resolve(rest[0]!), swappable, show, defaultAutoField, djangoCache };
}

/** The project's user model when the tree creates exactly one model with password and last_login. */
function detectUserModel(files: readonly MigrationFile[]): string | undefined {
  const found = new Set<string>();
  for (const file of files) {
    for (const op of file.operations) {
      if (op.type !== 'CreateModel' || op.args['name']?.kind !== 'str') continue;
      const fields = op.args['fields'];
      const names = fields?.kind === 'list' || fields?.kind === 'tuple' ? fields.items.map((item) => (item.kind === 'tuple' && item.items[0]?.kind === 'str' ? item.items[0].value : '')) : [];
      if (names.includes('password') && names.includes('last_login') && !op.args['name'].value.startsWith('Historical')) found.add(`${file.app}.${op.args['name'].value}`);
    }
  }
  // A vendored copy of contrib.auth's migrations (app label auth) is not the project's model.
  const own = [...found].filter((model) => !model.startsWith('auth.'));
  return own.length === 1 ? own[0] : undefined;
}

/** Each migrations folder as an importable module path under the tree root (first one per label wins). */
function appModules(tree: string, files: readonly MigrationFile[]): Array<{ label: string; module: string }> {
  const byLabel = new Map<string, string>();
  for (const file of files) {
    const dir = relative(tree, dirname(resolve(tree, file.path)));
    if (!byLabel.has(file.app) && /^[\w/]+$/.test(dir.split(sep).join('/'))) byLabel.set(file.app, dir.split(sep).join('.'));
  }
  return [...byLabel].map(([label, module]) => ({ label, module }));
}

function withDatabase<T>(run: (name: string) => T): T {
  const name = `mh_sqlmigrate_${process.pid}`;
  const psql = (sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-qAtc', sql], { stdio: 'pipe' });
  psql(`CREATE DATABASE ${name}`);
  try {
    return run(name);
  } finally {
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function runDjango(tree: string, apps: Array<{ label: string; module: string }>, swappable: Record<string, string>, defaultAutoField: string): DjangoRun {
  if (!existsSync(join(DJANGO_SOURCE, 'django'))) {
    console.error(`no Django source tree at ${DJANGO_SOURCE}: export one (docs/benchmarks.md, "sqlmigrate equality") or set DJANGO_SOURCE.`);
    process.exit(2);
  }
  const labels = new Set(apps.map((app) => app.label));
  return withDatabase((name) => {
    const job = { root: tree, apps, defaultAutoField: `django.db.models.${defaultAutoField}`, stubImports: !process.argv.includes('--no-stubs'), contrib: CONTRIB.filter((label) => !labels.has(label)), swappable, database: { ENGINE: 'django.db.backends.postgresql', NAME: name, USER: 'postgres', HOST: '127.0.0.1', PORT: '5432' } };
    const result = spawnSync('/usr/bin/python3', [DRIVER], { input: JSON.stringify(job), env: { ...process.env, PYTHONPATH: DJANGO_SOURCE }, maxBuffer: 1 << 30, encoding: 'utf8' });
    if (result.status !== 0 && !result.stdout) throw new Error(`the Django driver failed: ${result.stderr}`);
    const run = JSON.parse(result.stdout) as DjangoRun;
    if (run.fatal) throw new Error(`the Django driver failed:\n${run.fatal}`);
    return run;
  });
}

/** One statement per entry, whitespace collapsed, no trailing semicolon. */
function normalise(statements: readonly string[]): string[] {
  return statements
    .flatMap((s) => s.split(/;\s*(?:\n|$)|;\s+(?=SET CONSTRAINTS|ALTER TABLE)/))
    .map((s) => s.replace(/\s+/g, ' ').trim().replace(/;$/, '').trim())
    .filter((s) => s.length > 0 && !s.startsWith('--'));
}

function compareOperation(op: OperationSql, django: string[], deferred: string[], label: string, tally: Tally): void {
  tally.compared++;
  const mine = normalise(op.statements.filter((s) => !s.deferred).map((s) => s.sql));
  const want = normalise(django);
  const pending = [...deferred];
  const missing = normalise(op.statements.filter((s) => s.deferred).map((s) => s.sql)).filter((s) => {
    const at = pending.indexOf(s);
    if (at !== -1) pending.splice(at, 1);
    return at === -1;
  });
  if (JSON.stringify(mine) === JSON.stringify(want) && missing.length === 0) {
    tally.equal++;
    return;
  }
  const detail = missing.length > 0 ? `deferred not in Django's: ${missing.join('; ')}` : `engine: ${mine.join('; ')}\n      django: ${want.join('; ')}`;
  tally.diffs.push(`${label} (${op.type})\n      ${detail}`);
}

function compareMigration(mine: MigrationSql, django: DjangoMigration, tally: Tally): void {
  const deferred = normalise(django.deferred ?? []);
  mine.operations.forEach((op, i) => {
    if (op.unknown || op.type === 'RunPython') return;
    const label = `${mine.app}.${mine.name} #${i}`;
    if (django.error && i >= (django.failedAt ?? 0)) {
      if (i === django.failedAt) {
        tally.compared++;
        tally.claimedRefused++;
        tally.diffs.push(`${label} (${op.type})\n      Django raised ${django.error}`);
      }
      return;
    }
    compareOperation(op, django.operations?.[i] ?? [], deferred, label, tally);
  });
}

function share(migrations: readonly MigrationSql[]): string {
  const ops = migrations.flatMap((m) => m.operations).filter((op) => op.type !== 'RunPython');
  const predicted = ops.filter((op) => !op.unknown).length;
  return `${predicted}/${ops.length} (${((100 * predicted) / Math.max(ops.length, 1)).toFixed(1)}%)`;
}

/** Django's side of an earlier run with the same arguments, when asked for and present; else a fresh run, kept when asked. */
function cachedDjango(cache: string | undefined, run: () => DjangoRun): DjangoRun {
  if (cache && existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as DjangoRun;
  const result = run();
  if (cache) writeFileSync(cache, JSON.stringify(result));
  return result;
}

const { tree, swappable, show, defaultAutoField, djangoCache } = parseArgs(process.argv.slice(2));
const sources = discoverMigrations([tree], { cwd: tree, exclude: [], excludeBase: tree });
const [files] = await Promise.all([readMigrations(sources), loadSqlParser()]);
const userModel = swappable['AUTH_USER_MODEL'] ?? detectUserModel(files);
if (userModel) swappable['AUTH_USER_MODEL'] = userModel;
// Both sides get the same DEFAULT_AUTO_FIELD; without the flag the engine leaves join tables unknown.
const predicted = predictSql(files, { database: 'postgresql', version: '15' }, { swappable, ...(defaultAutoField ? { defaultAutoField } : {}) });
const django = cachedDjango(djangoCache, () => runDjango(tree, appModules(tree, files), swappable, defaultAutoField ?? 'AutoField'));
const byKey = new Map(predicted.map((m) => [`${m.app}.${m.name}`, m]));
const tally: Tally = { compared: 0, equal: 0, diffs: [], claimedRefused: 0 };
let matched = 0;
let tainted = 0;
for (const record of django.migrations) {
  const mine = byKey.get(`${record.app}.${record.name}`);
  if (!mine) continue;
  matched++;
  if (record.tainted) tainted++;
  else compareMigration(mine, record, tally);
}
const loadedShare = share(django.migrations.map((r) => byKey.get(`${r.app}.${r.name}`)).filter((m): m is MigrationSql => m !== undefined));
const applyErrors = django.migrations.filter((r) => r.applyError || r.error).length;
const stubbed = django.migrations.filter((r) => r.stubbed).length;
console.log(`tree: ${tree} (AUTH_USER_MODEL=${userModel ?? 'auth.User'}), PostgreSQL, Django from ${DJANGO_SOURCE}`);
console.log(`  migrations: ${files.length} read, ${matched} loaded by Django, ${django.unloadable.length} not loadable (depend on an app outside the tree, or on one that is not loadable)`);
console.log(`  ${stubbed} loaded with stubs for project or third-party imports; ${applyErrors} failed in Django (refused, or not applied), ${tainted} not compared after such a failure in their app`);
console.log(`  operations compared: ${tally.compared}   equal: ${tally.equal}   differing: ${tally.compared - tally.equal}${tally.claimedRefused ? ` (${tally.claimedRefused} Django refused)` : ''}`);
console.log(`  predicted share: ${share(predicted)} of non-RunPython operations in the tree; ${loadedShare} in the loadable migrations`);
for (const diff of tally.diffs.slice(0, show)) console.log(`    ${diff}`);
if (process.argv.includes('--unloadable')) {
  for (const u of django.unloadable.slice(0, show)) console.log(`    unloadable ${u.app}.${u.name}: ${u.reason}`);
  for (const r of django.migrations.filter((m) => m.error || m.applyError).slice(0, show)) console.log(`    failed ${r.app}.${r.name}: ${r.error ?? r.applyError}`);
}
if (process.argv.includes('--unknown')) {
  // What keeps the share down: unknown operations grouped by type and reason, most common first.
  const counts = new Map<string, number>();
  for (const op of predicted.flatMap((m) => m.operations)) {
    if (!op.unknown || op.type === 'RunPython') continue;
    const key = `${op.type}: ${op.reason ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, show)) console.log(`    unknown ${count}× ${key}`);
}
