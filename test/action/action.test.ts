/**
 * The Action's entry point (src/action/main.ts) as the runner starts it: a child process with the
 * environment GitHub gives an action (event payload file, GITHUB_* variables, INPUT_* inputs, a token),
 * in a git checkout with a base and a head commit, talking to a fake GitHub on 127.0.0.1 through the
 * real Octokit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STICKY_MARKER } from '../../src/engine/report/pr-comment.js';
import { copyFixture, riskyMigration } from '../cli/helpers.js';
import { createFakeGitHub } from '../fakes/github.js';
import type { FakeGitHub } from '../fakes/github.js';

// The built entry (dist/action.js, built by test/global-setup.ts), as action.yml runs it.
const ENTRY = fileURLToPath(new URL('../../dist/action.js', import.meta.url));
const TOKEN = 'ghs_actiontoken0123456789abcdef';
const SLOW = { timeout: 60_000 };
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

const safeMigration = (name: string, after: string) => `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("store", "${after}")]

    operations = [
        migrations.AddField(model_name="order", name="${name}", field=models.TextField(null=True)),
    ]
`;

let github: FakeGitHub;
let repo: { dir: string; cleanup: () => void };
let baseSha: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8' }).trim();

function commitFiles(files: Record<string, string | null>, message: string): string {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) unlinkSync(join(repo.dir, path));
    else writeFileSync(join(repo.dir, path), text);
  }
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

/** One workflow run on the current HEAD, as the runner would start the action's node process. */
function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const headSha = git('rev-parse', 'HEAD');
  const runner = join(repo.dir, '.runner');
  execFileSync('mkdir', ['-p', runner]);
  const files = { event: join(runner, 'event.json'), summary: join(runner, 'summary.md'), output: join(runner, 'output.txt') };
  writeFileSync(files.event, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7, base: { sha: baseSha, ref: 'main' }, head: { sha: headSha, ref: 'feature' } }, repository: { full_name: 'acme/shop' } }));
  writeFileSync(files.summary, '');
  writeFileSync(files.output, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: headSha,
    GITHUB_WORKSPACE: repo.dir,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], { cwd: repo.dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs = Object.fromEntries(
        readFileSync(files.output, 'utf8')
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      resolve({ code, stdout, stderr, summary: readFileSync(files.summary, 'utf8'), outputs });
    });
  });
}

const INPUTS = { database: 'postgresql', 'db-version': '16', 'fail-on': 'error', paths: '.', 'github-token': TOKEN };
const ourComments = () => github.comments('acme', 'shop', 7).filter((comment) => comment.body.startsWith(STICKY_MARKER));

beforeAll(async () => {
  github = await createFakeGitHub();
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.addToken(TOKEN, ['acme/shop']);
  // More than a page of other people's comments: the sticky one must be found past page one.
  for (let i = 0; i < 120; i++) github.seedComment('acme', 'shop', 7, `review comment ${i}`);
  repo = copyFixture('project');
  unlinkSync(join(repo.dir, 'shop/migrations/0002_order_note.py'));
  writeFileSync(join(repo.dir, '.gitignore'), '.runner/\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  baseSha = git('rev-parse', 'HEAD');
  git('checkout', '-q', '-b', 'feature');
});

afterAll(async () => {
  await github?.close();
  repo?.cleanup();
});

describe('the GitHub Action entry point', () => {
  it('a PR adding a risky migration: exit 1, annotations, job summary, outputs and one sticky comment', SLOW, async () => {
    commitFiles({ 'shop/migrations/0002_order_points.py': riskyMigration('points', '0001_initial') }, 'risky');
    const run = await runAction(INPUTS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error file=shop\/migrations\/0002_order_points\.py,line=8,endLine=8,col=\d+,endColumn=\d+,title=add-field-not-null-without-db-default/m);
    expect(run.summary).toContain('### migrate-help: 1 migration risk at');
    expect(run.summary).toContain('`add-field-not-null-without-db-default`');
    expect(run.summary).toContain('<details><summary>Safe recipe</summary>');
    expect(run.summary).toContain('https://github.com/acme/shop/actions/runs/4242');
    const comments = ourComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('**Why:**');
    expect(comments[0]?.body).toContain('db_default');
    // The SQL the operation runs, predicted offline, with the lock it takes.
    expect(comments[0]?.body).toContain('<details><summary>SQL and locks</summary>');
    expect(comments[0]?.body).toMatch(/-- lock: ACCESS EXCLUSIVE; rewrite: (yes|no); scan: (yes|no)\nALTER TABLE "\w+" ADD COLUMN "points"/);
    expect(run.outputs).toMatchObject({ findings: '1', errors: '1', warnings: '0' });
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    for (const text of [run.stdout, run.summary, comments[0]?.body ?? '']) expect(text).not.toContain(TOKEN);
  });

  it('a re-run after another push updates the same comment, never a second one', SLOW, async () => {
    const [before] = ourComments();
    commitFiles({ 'shop/migrations/0003_order_stars.py': riskyMigration('stars', '0002_order_points') }, 'more');
    const run = await runAction(INPUTS);
    expect(run.code).toBe(1);
    const comments = ourComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(before?.id);
    expect(comments[0]?.body).toContain('2 migration risks');
    expect(comments[0]?.body).toContain('0003_order_stars');
    // The recipe is folded in once per rule, then referred to.
    expect(comments[0]?.body.match(/<summary>Safe recipe<\/summary>/g)).toHaveLength(1);
    expect(github.comments('acme', 'shop', 7)).toHaveLength(121);
  });

  it('once the risks are gone the comment turns to "resolved" and the run passes', SLOW, async () => {
    const [before] = ourComments();
    commitFiles({ 'shop/migrations/0002_order_points.py': safeMigration('points', '0001_initial'), 'shop/migrations/0003_order_stars.py': safeMigration('stars', '0002_order_points') }, 'fix');
    const run = await runAction(INPUTS);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('::error');
    expect(run.summary).toContain('no migration risks');
    const comments = ourComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(before?.id);
    expect(comments[0]?.body).toContain('resolved');
    expect(comments[0]?.body).not.toContain('add-field-not-null-without-db-default');
    expect(run.outputs).toMatchObject({ findings: '0', errors: '0' });
  });

  it('a bad input ends in one clear error line and exit 2, with nothing posted', SLOW, async () => {
    const posted = github.requests.length;
    const run = await runAction({ ...INPUTS, 'fail-on': 'sometimes' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^::error title=migrate-help::.*fail-on/m);
    expect(run.summary).toContain('migrate-help could not run');
    expect(github.requests.slice(posted).filter((request) => request.method !== 'GET')).toEqual([]);
  });
});

afterAll(() => rmSync(join(repo.dir, '.runner'), { recursive: true, force: true }));
