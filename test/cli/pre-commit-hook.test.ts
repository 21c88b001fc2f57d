/**
 * `.pre-commit-hooks.yaml` run the way pre-commit runs a hook: its `files` pattern picks the staged
 * names (`git diff --cached --name-only`), and `entry` plus those names runs from the repository root
 * with the package's bin on PATH (what `language: node` installs). pre-commit itself is not in CI, so
 * this drives the same command line on a temporary git repository.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, copyFixture, riskyMigration } from './helpers.js';

interface HookSpec {
  id: string;
  entry: string;
  language: string;
  files: string;
  pass_filenames: boolean;
}

const HOOKS = parse(readFileSync(fileURLToPath(new URL('../../.pre-commit-hooks.yaml', import.meta.url)), 'utf8')) as HookSpec[];
const SLOW = { timeout: 60_000 };
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

const safeMigration = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("store", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
`;

let repo: { dir: string; cleanup: () => void };
let binDir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8' });

beforeEach(() => {
  repo = copyFixture('project');
  unlinkSync(join(repo.dir, 'shop/migrations/0002_order_note.py'));
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  // What `language: node` gives the hook: the package's bin on PATH.
  binDir = mkdtempSync(join(tmpdir(), 'migrate-help-hook-bin-'));
  symlinkSync(BIN, join(binDir, 'migrate-help'));
});

afterEach(() => {
  repo.cleanup();
  rmSync(binDir, { recursive: true, force: true });
});

/** pre-commit's selection and command line: staged names matching `files`, appended to `entry`. */
function runHook(hook: HookSpec): Promise<{ code: number | null; stdout: string; stderr: string; files: string[] }> {
  const pattern = new RegExp(hook.files);
  const files = git('diff', '--cached', '--name-only', '--diff-filter=ACMR').split('\n').filter((name) => name.length > 0 && pattern.test(name));
  const [command, ...args] = hook.entry.split(/\s+/);
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, [...args, ...(hook.pass_filenames ? files : [])], {
      cwd: repo.dir,
      env: { ...process.env, PATH: `${binDir}${delimiter}${process.env['PATH'] ?? ''}`, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, files }));
  });
}

describe('.pre-commit-hooks.yaml', () => {
  const hook = HOOKS.find((spec) => spec.id === 'migrate-help') as HookSpec;

  it('declares a node hook over migration files with the file names passed', () => {
    expect(hook).toMatchObject({ language: 'node', files: '(^|/)migrations/.*\\.py$', pass_filenames: true });
    const pattern = new RegExp(hook.files);
    expect(pattern.test('shop/migrations/0002_x.py')).toBe(true);
    expect(pattern.test('migrations/0002_x.py')).toBe(true);
    expect(pattern.test('shop/models.py')).toBe(false);
    expect(pattern.test('shop/notmigrations/0002_x.py')).toBe(false);
  });

  it('fails a commit that stages a risky migration, with the report', SLOW, async () => {
    writeFileSync(join(repo.dir, 'shop/migrations/0002_order_points.py'), riskyMigration('points', '0001_initial'));
    git('add', 'shop/migrations/0002_order_points.py');
    const run = await runHook(hook);
    expect(run.files).toEqual(['shop/migrations/0002_order_points.py']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('shop/migrations/0002_order_points.py');
    expect(run.stdout).toContain('add-field-not-null-without-db-default');
    expect(run.stdout).toContain('Safe alternative:');
    // Committed migrations are context, not targets: the dependency resolves and nothing else is reported.
    expect(run.stdout).not.toContain('dependency-not-found');
    expect(run.stdout).toMatch(/1 error, 0 warnings, 0 info in 1 migration file/);
  });

  it('passes a commit that stages a safe migration', SLOW, async () => {
    writeFileSync(join(repo.dir, 'shop/migrations/0002_order_note.py'), safeMigration);
    git('add', 'shop/migrations/0002_order_note.py');
    const run = await runHook(hook);
    expect(run.files).toEqual(['shop/migrations/0002_order_note.py']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No findings in 1 migration file');
  });
});
