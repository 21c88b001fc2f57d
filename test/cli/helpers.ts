import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';

export const BIN = fileURLToPath(new URL('../../bin/migrate-help.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/cli/', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (`node bin/migrate-help.js …`, or another copy's bin) as a child process. */
export function runBin(args: string[], options: { cwd: string; input?: string; env?: Record<string, string>; bin?: string }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The same CLI in this process: runCli with captured streams (argv, env, stdin and TTY are its inputs). */
export async function runInProcess(args: string[], options: { cwd: string; input?: string; env?: Record<string, string>; tty?: boolean; stdinTTY?: boolean }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdoutIsTTY: options.tty === true,
    stdinIsTTY: options.stdinTTY === true,
    readStdin: async () => options.input ?? '',
  });
  return { code, stdout, stderr };
}

/** A scratch copy of a fixture tree, removed by the returned cleanup. */
export function copyFixture(name: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `migrate-help-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const riskyMigration = (name: string, after = '0002_order_note') => `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("store", "${after}")]

    operations = [
        migrations.AddField(model_name="order", name="${name}", field=models.IntegerField(default=0)),
    ]
`;

/**
 * The project fixture as a git repository: `main` holds the fixture, `feature` adds 0003 in a
 * commit and 0004 untracked, plus migrations inside node_modules/ and a virtualenv that must be skipped.
 */
export function gitRepoFixture(): { dir: string; cleanup: () => void } {
  const repo = copyFixture('project');
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, env, stdio: 'pipe' });
  const write = (path: string, text: string) => {
    const full = join(repo.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  git('checkout', '-q', '-b', 'feature');
  write('shop/migrations/0003_order_points.py', riskyMigration('points'));
  git('add', '.');
  git('commit', '-q', '-m', 'feature migration');
  write('shop/migrations/0004_order_stars.py', riskyMigration('stars', '0003_order_points'));
  write('node_modules/pkg/migrations/0001_x.py', riskyMigration('x'));
  write('env/pyvenv.cfg', 'home = /usr/bin\n');
  write('env/lib/python3.12/site-packages/dj/migrations/0001_x.py', riskyMigration('y'));
  return repo;
}
