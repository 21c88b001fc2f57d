/**
 * The real CLI as a child process (`node bin/migrate-help.js …`) on fixture trees: one run per
 * output format and command, parsed, with exit codes. Sequential on purpose: each run compiles
 * the TypeScript sources, and CI has two cores. Finer cases run in-process in commands.test.ts.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, gitRepoFixture, runBin } from './helpers.js';

const project = join(FIXTURES, 'project');
const SLOW = { timeout: 60_000 };

describe('node bin/migrate-help.js', () => {
  it('check: text report grouped by file, summary, no colour off a TTY, exit 1 on an error', SLOW, async () => {
    const run = await runBin(['check', '.'], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('shop/migrations/0002_order_note.py  store.0002_order_note');
    expect(run.stdout).toMatch(/error\s+line 11:19\s+add-field-not-null-without-db-default/);
    expect(run.stdout).toContain('Safe alternative:');
    expect(run.stdout).toMatch(/1 error, 0 warnings, 0 info in 3 migration files for PostgreSQL 16\./);
    expect(run.stdout).toContain('docs/rules/README.md');
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).not.toContain('_helpers');
  });

  it('check --format sarif: SARIF 2.1.0 with rule help and relative URIs', SLOW, async () => {
    const run = await runBin(['check', 'shop', 'billing', '--format', 'sarif'], { cwd: project });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.version).toBe('2.1.0');
    const [result] = doc.runs[0].results;
    expect(result).toMatchObject({ ruleId: 'add-field-not-null-without-db-default', level: 'error' });
    expect(result.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'shop/migrations/0002_order_note.py', uriBaseId: '%SRCROOT%' }, region: { startLine: 11, startColumn: 19, endLine: 11, endColumn: 47 } });
    expect(doc.runs[0].tool.driver.rules[result.ruleIndex].help.text).toContain('Safe alternative');
    expect(run.stderr).toContain('1 error');
  });

  it('check --format github: one workflow annotation per finding', SLOW, async () => {
    const run = await runBin(['check', '.', '--format', 'github', '--fail-on', 'never'], { cwd: project });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=shop\/migrations\/0002_order_note.py,line=11,endLine=11,col=19,endColumn=47,title=add-field-not-null-without-db-default \(store.0002_order_note\)::/);
    expect(lines[0]).toContain('%0A%0ASafe alternative:');
  });

  it('check with a broken config file: exit 2, one line and a hint', SLOW, async () => {
    const run = await runBin(['check', '.'], { cwd: join(FIXTURES, 'bad-config') });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^migrate-help: \.migrate-help\.json is invalid: database: Invalid option.*Unrecognized key: "colour"/);
    expect(lines[1]).toMatch(/^hint: /);
  });

  it('graph --format json on a tree with a conflict and a missing dependency: exit 1', SLOW, async () => {
    const run = await runBin(['graph', '.', '--format', 'json'], { cwd: join(FIXTURES, 'broken') });
    expect(run.code).toBe(1);
    const graph = JSON.parse(run.stdout);
    expect(graph.conflicts[0].leaves).toEqual(['shop.0002_order_a', 'shop.0002_order_b']);
    expect(graph.missing[0].missing).toEqual({ app: 'shop', name: '0000_gone' });
  });

  it('parse --format json: one JSON object per file (JSON Lines)', SLOW, async () => {
    const run = await runBin(['parse', '.', '--format', 'json'], { cwd: project });
    expect(run.code).toBe(0);
    const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => `${r.app}.${r.name}`)).toEqual(['billing.0001_initial', 'store.0001_initial', 'store.0002_order_note']);
    expect(records[2]).toMatchObject({ path: 'shop/migrations/0002_order_note.py', dependencies: [{ app: 'store', name: '0001_initial' }], atomic: null, initial: null, problems: [] });
    expect(records[2].operations[0].type).toBe('AddField');
  });

  it('diagnose reads stdin: exit 0 with the playbook, exit 1 when nothing is recognised', SLOW, async () => {
    const paste = "django.db.migrations.exceptions.InconsistentMigrationHistory: Migration admin.0001_initial is applied before its dependency accounts.0001_initial on database 'default'.";
    const run = await runBin(['diagnose'], { cwd: project, input: paste });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('InconsistentMigrationHistory');
    expect(run.stdout).toContain('python manage.py migrate accounts 0001_initial --fake');
    const none = await runBin(['diagnose', '--format', 'json'], { cwd: project, input: 'all good here' });
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ diagnoses: [], recognised: false });
  });

  describe('check --since in a git repository', () => {
    let repo: { dir: string; cleanup: () => void };
    beforeAll(() => {
      repo = gitRepoFixture();
    }, 60_000);
    afterAll(() => repo?.cleanup());

    it('lints only migrations added or changed since the ref (committed and untracked), the rest is context', SLOW, async () => {
      const run = await runBin(['check', '.', '--since', 'main', '--format', 'json'], { cwd: repo.dir });
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout);
      expect(doc.summary).toMatchObject({ files: 5, targets: 2 }); // node_modules/ and the virtualenv were skipped
      expect([...new Set(doc.findings.map((f: { path: string }) => f.path))]).toEqual(['shop/migrations/0003_order_points.py', 'shop/migrations/0004_order_stars.py']);
      expect(doc.graph.missing).toEqual([]);
    });
  });
});
