/**
 * Reading the project as Django does: AppConfig labels wherever declared, duplicate labels refused,
 * MIGRATION_MODULES (settings module or config), a single file read with its siblings, .gitignore
 * and other tools' folders skipped with reasons, database aliases.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { check } from '../../src/cli/commands/check.js';
import { CliError } from '../../src/cli/exit.js';
import { renderRunSummary } from '../../src/cli/summary.js';
import { runInProcess } from './helpers.js';

const migration = (app: string, deps: Array<[string, string]>, ops = '') => `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [${deps.map(([a, n]) => `("${a}", "${n}")`).join(', ')}]

    operations = [${ops}]
`;
const risky = 'migrations.AddField(model_name="order", name="n", field=models.IntegerField(default=0))';

let dir: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migrate-help-project-'));
  write('manage.py', '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('app labels as Django reads them', () => {
  it('takes the label from __init__.py, another module of the package, default_app_config or the name', async () => {
    write('a/__init__.py', 'from django.apps import AppConfig\n\n\nclass AConfig(AppConfig):\n    name = "a"\n    label = "alpha"\n');
    write('a/migrations/0001_initial.py', migration('alpha', []));
    write('b/config.py', 'from django.apps import AppConfig\n\n\nclass BConfig(AppConfig):\n    name = "b"\n    label = "beta"\n');
    write('b/migrations/0001_initial.py', migration('beta', []));
    write('c/__init__.py', 'default_app_config = "c.apps.Second"\n');
    write('c/apps.py', 'from django.apps import AppConfig\n\n\nclass First(AppConfig):\n    name = "c"\n    label = "wrong"\n\n\nclass Second(AppConfig):\n    name = "c"\n    label = "gamma"\n');
    write('c/migrations/0001_initial.py', migration('gamma', [['alpha', '0001_initial'], ['beta', '0001_initial']]));
    write('apps/d/apps.py', 'from django.apps import AppConfig\n\n\nclass DConfig(AppConfig):\n    name = "project.apps.delta"\n');
    write('apps/d/migrations/0001_initial.py', migration('delta', [['gamma', '0001_initial']]));
    const result = await check({ paths: ['.'], cwd: dir });
    expect(result.report.findings.filter((f) => f.ruleId === 'dependency-not-found')).toEqual([]);
    expect(Object.keys(result.report.graph.apps).sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
  });

  it('refuses two apps with one label, naming both folders', async () => {
    write('shop/migrations/0001_initial.py', migration('shop', []));
    write('legacy/shop/migrations/0001_initial.py', migration('shop', []));
    const error = await check({ paths: ['.'], cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe("Application labels aren't unique, duplicates: shop (legacy/shop/migrations and shop/migrations). Django refuses to load two apps with one label.");
    expect((error as CliError).hint).toContain('label');
  });
});

describe('MIGRATION_MODULES and migration folders not named migrations', () => {
  it('reads dojo/db_migrations from --settings, and skips an app whose migrations are None', async () => {
    write('dojo/settings/settings.dist.py', 'MIGRATION_MODULES = {\n    "dojo": "dojo.db_migrations",\n    "off": None,\n}\n');
    write('dojo/db_migrations/0001_initial.py', migration('dojo', []));
    write('dojo/db_migrations/0002_risky.py', migration('dojo', [['dojo', '0001_initial']], risky));
    write('off/migrations/0001_initial.py', migration('off', [], risky));
    const result = await check({ paths: ['.'], cwd: dir, settings: 'dojo/settings/settings.dist.py' });
    expect(result.targets).toEqual(['dojo/db_migrations/0001_initial.py', 'dojo/db_migrations/0002_risky.py']);
    expect(result.report.findings.map((f) => [f.app, f.migration, f.ruleId])).toEqual([['dojo', '0002_risky', 'add-field-not-null-without-db-default']]);
    expect(result.skipped).toContainEqual({ path: 'off/migrations', reason: 'migrations-disabled' });
    expect(renderRunSummary(result)).toContain('MIGRATION_MODULES turns its migrations off (None): off/migrations');
  });

  it('takes the map from the config file too, and names a module it cannot find', async () => {
    write('.migrate-help.json', JSON.stringify({ migrationModules: { shop: 'shop.schema_history', ghost: 'ghost.migs' } }));
    write('shop/schema_history/0001_initial.py', migration('shop', []));
    write('shop/migrations/0001_old.py', migration('shop', []));
    const result = await check({ paths: ['.'], cwd: dir });
    expect(result.targets).toEqual(['shop/schema_history/0001_initial.py']);
    expect(result.skipped).toContainEqual({ path: 'shop/migrations', reason: 'migration-module-moved' });
    expect(result.notes.join('\n')).toContain('MIGRATION_MODULES maps ghost to ghost.migs, but no folder ghost/migs was found');
  });

  it('a settings module that cannot be read is exit 2 with a hint', async () => {
    const run = await runInProcess(['check', '.', '--settings', 'nope/settings.py'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read the settings module nope/settings.py');
  });
});

describe('a single migration file is read with its project', () => {
  it('lints only that file, with its siblings and other apps as context: no false NodeNotFoundError', async () => {
    write('users/migrations/0001_initial.py', migration('users', []));
    write('shop/migrations/0001_initial.py', migration('shop', [['users', '0001_initial']]));
    write('shop/migrations/0002_x.py', migration('shop', [['shop', '0001_initial'], ['users', '0001_initial']], risky));
    const result = await check({ paths: ['shop/migrations/0002_x.py'], cwd: dir });
    expect(result.targets).toEqual(['shop/migrations/0002_x.py']);
    expect(result.report.stats.files).toBe(3);
    expect(result.report.findings.map((f) => f.ruleId)).toEqual(['add-field-not-null-without-db-default']);
    expect(renderRunSummary(result)).toContain('2 migration files read as context only');
  });
});

describe('discovery skips what is not the project, and says so', () => {
  it('honours .gitignore, skips virtualenvs, node_modules and fixtures unless named', async () => {
    write('.gitignore', 'build/\n*.generated.py\n');
    write('shop/migrations/0001_initial.py', migration('shop', []));
    write('shop/migrations/0002_tmp.generated.py', migration('shop', [['shop', '0001_initial']], risky));
    write('build/lib/shop2/migrations/0001_initial.py', migration('shop2', [], risky));
    write('.venv/lib/site-packages/x/migrations/0001_initial.py', migration('x', [], risky));
    write('env/pyvenv.cfg', 'home = /usr/bin\n');
    write('env/lib/y/migrations/0001_initial.py', migration('y', [], risky));
    write('node_modules/z/migrations/0001_initial.py', migration('z', [], risky));
    write('tests/fixtures/other/migrations/0001_initial.py', migration('other', [], risky));
    const result = await check({ paths: ['.'], cwd: dir });
    expect(result.targets).toEqual(['shop/migrations/0001_initial.py']);
    expect(result.skipped.map((s) => [s.path, s.reason]).sort()).toEqual([
      ['.venv', 'virtualenv'],
      ['build', 'gitignore'],
      ['env', 'virtualenv'],
      ['node_modules', 'dependencies'],
      ['shop/migrations/0002_tmp.generated.py', 'gitignore'],
      ['tests/fixtures', 'test-fixtures'],
    ]);
    const summary = renderRunSummary(result);
    expect(summary).toContain('listed in .gitignore: build, shop/migrations/0002_tmp.generated.py');
    expect(summary).toContain("another tool's test fixtures: tests/fixtures");

    const named = await check({ paths: ['tests/fixtures'], cwd: dir });
    expect(named.targets).toEqual(['tests/fixtures/other/migrations/0001_initial.py']);
  });
});

describe('--database names', () => {
  it('accepts postgres and pg; an unknown name answers with the choices and the nearest', async () => {
    write('shop/migrations/0001_initial.py', migration('shop', []));
    for (const name of ['postgres', 'pg', 'sqlite3']) expect((await runInProcess(['check', '.', '--database', name], { cwd: dir })).code).toBe(0);
    const run = await runInProcess(['check', '.', '--database', 'postgress'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Use one of: postgresql, mysql, mariadb, sqlite, oracle.');
    expect(run.stderr).toContain('Did you mean postgresql?');
    const far = await runInProcess(['check', '.', '--database', 'mssql'], { cwd: dir });
    expect(far.stderr).not.toContain('Did you mean');
  });
});
