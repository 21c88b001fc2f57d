/**
 * Adoption through the real CLI (`node bin/migrate-help.js`): write a baseline, re-run → exit 0 and
 * "N baselined", edits above a finding keep it baselined, a new risky migration is the only one
 * reported, and a fixed finding shows as a stale entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, riskyMigration, runBin } from './helpers.js';

const SLOW = { timeout: 60_000 };

describe('check --write-baseline / --baseline (end to end)', () => {
  let repo: { dir: string; cleanup: () => void };
  beforeAll(() => {
    repo = copyFixture('project');
  });
  afterAll(() => repo.cleanup());

  it('writes a sorted, versioned baseline keyed by operation, not line, and exits 0', SLOW, async () => {
    const run = await runBin(['check', '.', '--write-baseline', 'migrate-help-baseline.json'], { cwd: repo.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Baseline: wrote 1 finding (1 entry) to migrate-help-baseline.json; 1 baselined.');
    const doc = JSON.parse(readFileSync(join(repo.dir, 'migrate-help-baseline.json'), 'utf8'));
    expect(doc.version).toBe(1);
    expect(doc.entries).toEqual([{ app: 'store', migration: '0002_order_note', operation: '0', rule: 'add-field-not-null-without-db-default', count: 1 }]);
    expect(Object.keys(doc.entries[0])).not.toContain('line');
  });

  it('a re-run with the baseline reports nothing, says "1 baselined" and exits 0', SLOW, async () => {
    const run = await runBin(['check', '.', '--baseline', 'migrate-help-baseline.json'], { cwd: repo.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('add-field-not-null-without-db-default');
    expect(run.stdout).toContain('Baseline migrate-help-baseline.json: 1 baselined.');
  });

  it('still baselined after lines are added above the operation; a new risky migration is the only finding', SLOW, async () => {
    const path = join(repo.dir, 'shop/migrations/0002_order_note.py');
    writeFileSync(path, `# A comment that moves every line down.\n# And another.\n${readFileSync(path, 'utf8')}`);
    writeFileSync(join(repo.dir, 'shop/migrations/0003_order_points.py'), riskyMigration('points'));
    const run = await runBin(['check', '.', '--baseline', 'migrate-help-baseline.json'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('shop/migrations/0003_order_points.py');
    expect(run.stdout).not.toContain('shop/migrations/0002_order_note.py  store.0002_order_note');
    expect(run.stdout).toContain('1 baselined');
    expect(run.stdout).toMatch(/By rule:\n\s+add-field-not-null-without-db-default\s+1 error/);
    expect(run.stdout).toMatch(/Files with most findings:\n\s+1\s+shop\/migrations\/0003_order_points\.py/);

    const json = await runBin(['check', '.', '--baseline', 'migrate-help-baseline.json', '--format', 'json'], { cwd: repo.dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).findings.map((f: { migration: string }) => f.migration)).toEqual(['0003_order_points']);
    expect(json.stderr).toContain('1 baselined');
  });

  it('a finding that was fixed leaves a stale entry, named in the summary', SLOW, async () => {
    const path = join(repo.dir, 'shop/migrations/0002_order_note.py');
    writeFileSync(path, readFileSync(path, 'utf8').replace('models.TextField(default="")', 'models.TextField(null=True)'));
    const run = await runBin(['check', '.', '--baseline', 'migrate-help-baseline.json'], { cwd: repo.dir });
    expect(run.stdout).toContain('0 baselined');
    expect(run.stdout).toMatch(/1 stale baseline entry .*\n\s+store\.0002_order_note operation 0\s+add-field-not-null-without-db-default/);
  });

  it('a missing or broken baseline file is exit 2 with a hint', SLOW, async () => {
    const missing = await runBin(['check', '.', '--baseline', 'nope.json'], { cwd: repo.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read baseline file nope.json');
    expect(missing.stderr).toContain('--write-baseline nope.json');
    writeFileSync(join(repo.dir, 'bad.json'), JSON.stringify({ version: 9, entries: [] }));
    const bad = await runBin(['check', '.', '--baseline', 'bad.json'], { cwd: repo.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/baseline file bad\.json is invalid: version/);
  });
});
