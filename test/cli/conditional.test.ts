/**
 * Operations built under `if`/`else`, by `+=` and in loops, through the real CLI: every output
 * format says which condition a finding depends on, and the loop is an info finding with its line.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBin } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TREE = 'test/fixtures/migrations/conditional';
const SLOW = { timeout: 60_000 };

describe('check on conditionally built operations', () => {
  it('text: a finding ends with its condition, only for branches the target runs; the loop is named', SLOW, async () => {
    const run = await runBin(['check', TREE, '--database', 'mysql'], { cwd: ROOT });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("the data is gone. (only when not (connection.vendor == 'postgresql'))");
    expect(run.stdout).not.toContain("(only when connection.vendor == 'postgresql')");
    const postgresql = await runBin(['check', TREE, '--database', 'postgresql'], { cwd: ROOT });
    expect(postgresql.stdout).toContain('waits until the build finishes. (only when settings.ORDER_SEARCH)');
    expect(postgresql.stdout).not.toContain("(only when not (connection.vendor == 'postgresql'))");
    expect(run.stdout).toMatch(/info {4}line 10 {3}dynamic-operations\n {4}`operations` is changed in the loop `for name in \["a", "b"\]`/);
    expect(run.stdout).not.toMatch(/line \S+\s+parse-error/);
  });

  it('json: findings carry the condition as a field', SLOW, async () => {
    const run = await runBin(['check', TREE, '--database', 'postgresql', '--format', 'json'], { cwd: ROOT });
    const findings = JSON.parse(run.stdout).findings as Array<{ migration: string; ruleId: string; condition?: string; line: number }>;
    expect(findings.filter((finding) => finding.migration === '0003_vendor').map((finding) => [finding.ruleId, finding.line, finding.condition])).toEqual([
      ['add-field-not-null-without-db-default', 10, "connection.vendor == 'postgresql'"],
      ['add-index-non-concurrent', 20, 'settings.ORDER_SEARCH'],
    ]);
    expect(findings.find((finding) => finding.ruleId === 'dynamic-operations')).toMatchObject({ migration: '0006_loop', line: 10 });
  });

  it('sarif: the result message names the condition', SLOW, async () => {
    const run = await runBin(['check', TREE, '--database', 'postgresql', '--format', 'sarif'], { cwd: ROOT });
    const results = JSON.parse(run.stdout).runs[0].results as Array<{ ruleId: string; message: { text: string } }>;
    const conditional = results.filter((result) => result.message.text.includes('(only when '));
    expect(conditional.map((result) => result.ruleId).sort()).toEqual(['add-field-not-null-without-db-default', 'add-index-non-concurrent', 'add-index-non-concurrent']);
  });
});
