/** The CLI in-process (runCli with captured streams) and its command functions called directly. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, engineSettings, failsAt } from '../../src/cli/commands/check.js';
import { diagnose } from '../../src/cli/commands/diagnose.js';
import { graph } from '../../src/cli/commands/graph.js';
import { parse } from '../../src/cli/commands/parse.js';
import { listRules } from '../../src/cli/commands/rules.js';
import { findConfig, loadConfig } from '../../src/cli/config.js';
import { parseConfig } from '../../src/cli/config-schema.js';
import { CliError, describeError } from '../../src/cli/exit.js';
import { discoverMigrations, isMigrationFileName } from '../../src/cli/files.js';
import { compileGlobs } from '../../src/cli/glob.js';
import { useColor } from '../../src/cli/main.js';
import { EngineSettingsError } from '../../src/engine/settings.js';
import { FIXTURES, copyFixture, gitRepoFixture, runInProcess } from './helpers.js';

const project = join(FIXTURES, 'project');
const clean = join(FIXTURES, 'clean');
const broken = join(FIXTURES, 'broken');

describe('check()', () => {
  it('returns the engine report with apps.py labels, every file a target', async () => {
    const result = await check({ paths: ['.'], cwd: project });
    expect(result.targets).toEqual(['billing/migrations/0001_initial.py', 'shop/migrations/0001_initial.py', 'shop/migrations/0002_order_note.py']);
    expect(result.report.findings.map((f) => [f.ruleId, f.app, f.line])).toEqual([['add-field-not-null-without-db-default', 'store', 11]]);
    expect(failsAt(result.report, 'error')).toBe(true);
    expect(failsAt(result.report, 'never')).toBe(false);
    expect(failsAt({ findings: [] }, 'info')).toBe(false);
  });

  it('merges config and flags: flags win, lists add up', () => {
    const settings = engineSettings({ database: 'mysql', databaseVersion: 8, disable: ['a'], severity: { b: 'info' }, swappable: { AUTH_USER_MODEL: 'accounts.User' } }, { dbVersion: '8.0.32', disable: ['c'] });
    expect(settings).toEqual({ database: 'mysql', databaseVersion: '8.0.32', disabledRules: ['a', 'c'], enabledRules: [], severityOverrides: { b: 'info' }, swappable: { AUTH_USER_MODEL: 'accounts.User' } });
  });

  it('switches the zero-downtime backend on from the config file or the --pg-zero-downtime flag', () => {
    expect(engineSettings(parseConfig('{"zeroDowntimeBackend": true}', 'c.json'), {})).toMatchObject({ zeroDowntimeBackend: true });
    expect(engineSettings({}, { pgZeroDowntime: true })).toMatchObject({ zeroDowntimeBackend: true });
    expect(engineSettings({}, {})).not.toHaveProperty('zeroDowntimeBackend');
    expect(() => parseConfig('{"zeroDowntimeBackend": "yes"}', 'c.json')).toThrow(/zeroDowntimeBackend/);
  });

  it('reads .migrate-help.json upward from the cwd, with exclude globs relative to it', async () => {
    const { dir, cleanup } = copyFixture('project');
    try {
      writeFileSync(join(dir, '.migrate-help.json'), JSON.stringify({ database: 'sqlite', exclude: ['billing'], severity: { 'add-field-not-null-without-db-default': 'warning' } }));
      const result = await check({ paths: ['.'], cwd: join(dir, 'shop') });
      expect(result.configPath).toBe(join(dir, '.migrate-help.json'));
      expect(result.report.settings.database).toBe('sqlite');
      expect(result.targets).toEqual(['migrations/0001_initial.py', 'migrations/0002_order_note.py']);
      expect(result.report.findings.every((f) => f.severity !== 'error')).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe('graph(), parse(), diagnose(), listRules()', () => {
  it('graph reports conflicts and missing dependencies as broken', async () => {
    const result = await graph({ paths: ['.'], cwd: broken });
    expect(result.broken).toBe(true);
    expect(result.graph.conflicts.map((c) => c.app)).toEqual(['shop']);
    expect((await graph({ paths: ['.'], cwd: clean })).broken).toBe(false);
  });

  it('parse returns files and JSON records', async () => {
    const result = await parse({ paths: ['shop/migrations/0002_order_note.py'], cwd: project });
    expect(result.files.map((f) => `${f.app}.${f.name}`)).toEqual(['store.0002_order_note']);
    expect(result.records[0]).toMatchObject({ app: 'store', name: '0002_order_note' });
  });

  it('diagnose compares showmigrations output with the project on disk', async () => {
    const result = await diagnose({ text: 'store\n [ ] 0001_initial\n [X] 0002_order_note\nbilling\n [X] 0001_initial\n [X] 0002_removed\n', cwd: project, project: '.' });
    expect(result.recognised).toBe(true);
    expect(result.comparison).toEqual({
      unapplied: ['store.0001_initial'],
      appliedMissingOnDisk: ['billing.0002_removed'],
      notShown: [],
      outOfOrder: [
        { migration: 'billing.0001_initial', unappliedDependency: 'store.0001_initial', basis: 'dependency' },
        { migration: 'store.0002_order_note', unappliedDependency: 'store.0001_initial', basis: 'dependency' },
      ],
    });
  });

  it('diagnose refuses empty input with a hint', async () => {
    await expect(diagnose({ text: '  \n', cwd: project })).rejects.toThrow(CliError);
  });

  it('listRules is sorted and complete', () => {
    const rows = listRules();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort());
    expect(rows.find((r) => r.id === 'add-index-non-concurrent')).toMatchObject({ severity: 'warning', databases: { postgresql: '*' }, optIn: false });
  });
});

describe('runCli (in process)', () => {
  it('colour: FORCE_COLOR on, NO_COLOR off, else the TTY decides', async () => {
    expect(useColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor({}, true)).toBe(true);
    expect(useColor({ FORCE_COLOR: '0' }, true)).toBe(true);
    expect(useColor({ FORCE_COLOR: '0', NO_COLOR: '1' }, true)).toBe(false);
    const coloured = await runInProcess(['check', '.'], { cwd: project, tty: true });
    expect(coloured.stdout).toContain('\x1b[31m');
    const plain = await runInProcess(['check', '.'], { cwd: project, tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\x1b[');
  });

  it('--disable (comma-separated), --database, --db-version and --fail-on reach the engine', async () => {
    const run = await runInProcess(['check', '.', '--format', 'json', '--disable', 'add-field-not-null-without-db-default,add-index-non-concurrent', '--database', 'mysql', '--db-version', '8.0.32'], { cwd: project });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.settings).toEqual({ database: 'mysql', databaseVersion: '8.0.32' });
    expect(doc.findings).toEqual([]);
    const warn = await runInProcess(['check', '.', '--fail-on', 'warning', '--severity-does-not-exist'], { cwd: project });
    expect(warn.code).toBe(2);
  });

  it('usage and input errors exit 2 with one line and a hint', async () => {
    const cases = await Promise.all([
      runInProcess(['check', 'nope'], { cwd: project }),
      runInProcess(['check', '.', '--database', 'db2'], { cwd: project }),
      runInProcess(['check', '.', '--disable', 'no-such-rule'], { cwd: project }),
      runInProcess(['check', '.', '--db-version', 'latest'], { cwd: project }),
      runInProcess(['check', '.', '--config', 'missing.json'], { cwd: project }),
      runInProcess(['diagnose'], { cwd: project, stdinTTY: true }),
      runInProcess(['diagnose', '--file', 'missing.txt'], { cwd: project }),
      runInProcess(['chek', '.'], { cwd: project }),
    ]);
    for (const run of cases) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('hint: ');
    }
    expect(cases[0]?.stderr).toBe('migrate-help: no such file or folder: nope\nhint: pass the project root or a migrations folder, e.g. `migrate-help check .`.\n');
    expect(cases[2]?.stderr).toContain('no-such-rule');
    expect(cases[7]?.stderr).toContain('(Did you mean check?)');
  });

  it('a folder without migrations is an error, not a silent pass', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'migrate-help-empty-'));
    try {
      const run = await runInProcess(['check', '.'], { cwd: empty });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no migration files found under .');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--help and --version exit 0; no command exits 2', async () => {
    const help = await runInProcess(['--help'], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/check \[options\] <paths\.\.\.>/);
    expect((await runInProcess(['--version'], { cwd: project })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await runInProcess([], { cwd: project })).code).toBe(2);
  });

  it('graph text exits 1 on a broken tree; rules and diagnose markdown render', async () => {
    const g = await runInProcess(['graph', '.'], { cwd: broken });
    expect(g.code).toBe(1);
    expect(g.stdout).toContain('Conflicts (1)');
    expect(g.stdout).toContain("nonexistent parent node ('shop', '0000_gone')");
    const rules = await runInProcess(['rules'], { cwd: project });
    expect(rules.stdout).toMatch(/add-index-non-concurrent\s+warning\s+AddIndex/);
    const md = await runInProcess(['diagnose', '--format', 'markdown'], { cwd: project, input: 'django.db.utils.OperationalError: no such table: shop_order' });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('```bash\npython manage.py showmigrations shop\n```');
    const none = await runInProcess(['diagnose'], { cwd: project, input: 'hello' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No known migration error');
  });

  it('an internal error exits 2 with a "please report" line', () => {
    const outcome = describeError(new TypeError('boom'));
    expect(outcome.code).toBe(2);
    expect(outcome.lines[0]).toBe('migrate-help: internal error: boom');
    expect(outcome.lines[1]).toContain('please report');
    expect(describeError(new EngineSettingsError('Unknown database "x".')).lines[1]).toMatch(/^hint: /);
  });

  describe('--since', () => {
    let repo: { dir: string; cleanup: () => void };
    beforeAll(() => {
      repo = gitRepoFixture();
    }, 60_000);
    afterAll(() => repo?.cleanup());

    it('targets the changed and untracked migrations only; skips node_modules and virtualenvs', async () => {
      const result = await check({ paths: ['.'], cwd: repo.dir, since: 'main' });
      expect(result.targets).toEqual(['shop/migrations/0003_order_points.py', 'shop/migrations/0004_order_stars.py']);
      expect(result.sources.map((s) => s.path)).not.toContain('node_modules/pkg/migrations/0001_x.py');
      expect(result.report.stats).toMatchObject({ files: 5, targets: 2 });
    });

    it('nothing changed: a clear line and exit 0', async () => {
      const run = await runInProcess(['check', '.', '--since', 'HEAD'], { cwd: join(repo.dir, 'billing') });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('No migration file was added or changed since HEAD.');
    });

    it('an unknown ref or a folder outside git: exit 2 with a hint', async () => {
      const unknown = await runInProcess(['check', '.', '--since', 'origin/nope'], { cwd: repo.dir });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('git does not know the ref "origin/nope"');
      expect(unknown.stderr).toContain('fetch-depth: 0');
      const notGit = mkdtempSync(join(tmpdir(), 'migrate-help-nogit-'));
      try {
        writeFileSync(join(notGit, '0001_initial.py'), 'class Migration:\n    pass\n');
        const outside = await runInProcess(['check', '0001_initial.py', '--since', 'main'], { cwd: notGit });
        expect(outside.code).toBe(2);
        expect(outside.stderr).toContain('is not inside one');
      } finally {
        rmSync(notGit, { recursive: true, force: true });
      }
    });
  });
});

describe('config, discovery and globs', () => {
  it('validates the config file and names every problem on one line', () => {
    expect(() => parseConfig('{"database": "db2", "disable": "x"}', 'c.json')).toThrow(/c\.json is invalid: database: .*; disable: /);
    expect(() => parseConfig('{nope', 'c.json')).toThrow(/c\.json is not valid JSON/);
    expect(parseConfig('{"databaseVersion": "14.2", "swappable": {"AUTH_USER_MODEL": "accounts.User"}}', 'c.json')).toEqual({ databaseVersion: '14.2', swappable: { AUTH_USER_MODEL: 'accounts.User' } });
    expect(() => parseConfig('{"swappable": {"AUTH_USER_MODEL": "accounts"}}', 'c.json')).toThrow(/app_label\.ModelName/);
  });

  it('finds no config where there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-help-noconfig-'));
    try {
      expect(findConfig(dir)).toBeUndefined();
      expect(await loadConfig(dir)).toEqual({ config: {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes migration files like Django does', () => {
    expect(isMigrationFileName('0001_initial.py')).toBe(true);
    expect(isMigrationFileName('__init__.py')).toBe(false);
    expect(isMigrationFileName('_helpers.py')).toBe(false);
    expect(isMigrationFileName('.0002.py')).toBe(false);
    expect(isMigrationFileName('~0002.py')).toBe(false);
    expect(isMigrationFileName('0001_initial.pyc')).toBe(false);
    expect(discoverMigrations(['shop/migrations'], { cwd: project }).map((s) => s.path)).toEqual(['shop/migrations/0001_initial.py', 'shop/migrations/0002_order_note.py']);
  });

  it('matches exclude globs', () => {
    const excluded = compileGlobs(['legacy', 'apps/*/migrations/0001_*.py', '**/vendor/**']);
    expect(excluded('legacy/migrations/0001_x.py')).toBe(true);
    expect(excluded('src/legacy/migrations/0001_x.py')).toBe(true);
    expect(excluded('apps/shop/migrations/0001_initial.py')).toBe(true);
    expect(excluded('apps/shop/migrations/0002_x.py')).toBe(false);
    expect(excluded('a/vendor/b/migrations/0001.py')).toBe(true);
    expect(excluded('legacy_app/migrations/0001.py')).toBe(false);
  });
});
