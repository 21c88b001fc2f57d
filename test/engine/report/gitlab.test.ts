/**
 * `--format gitlab` against the fields GitLab reads from a Code Quality report
 * (docs.gitlab.com/ci/testing/code_quality, "Code Quality report format"): an array of issues, each
 * with a description, check_name, a fingerprint unique within the report, a severity from GitLab's
 * five-step scale, and location.path (relative to the repository) with location.lines.begin.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderGitlab } from '../../../src/engine/report/gitlab.js';
import type { Finding } from '../../../src/engine/rules/types.js';
import { FIXTURES, runInProcess } from '../../cli/helpers.js';

const codeQualityIssue = z.object({
  description: z.string().min(1),
  check_name: z.string().min(1),
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  severity: z.enum(['info', 'minor', 'major', 'critical', 'blocker']),
  location: z.object({
    path: z.string().min(1).refine((path) => !path.startsWith('/') && !path.startsWith('./') && !path.includes('\\'), 'a relative POSIX path'),
    lines: z.object({ begin: z.number().int().min(1), end: z.number().int().min(1).optional() }).refine((lines) => lines.end === undefined || lines.end > lines.begin, 'end after begin'),
  }),
});
const codeQualityReport = z.array(codeQualityIssue).superRefine((issues, ctx) => {
  const fingerprints = issues.map((issue) => issue.fingerprint);
  if (new Set(fingerprints).size !== fingerprints.length) ctx.addIssue({ code: 'custom', message: 'fingerprints repeat: GitLab would drop issues' });
});

function finding(overrides: Partial<Finding>): Finding {
  return {
    ruleId: 'add-field-not-null-without-db-default',
    severity: 'error',
    message: 'AddField `note` breaks inserts of old code.',
    path: 'shop/migrations/0002_note.py',
    app: 'shop',
    migration: '0002_note',
    line: 9,
    operation: { type: 'AddField', index: 0, path: [] },
    why: 'Old code does not send the column.',
    safeAlternative: 'Add it nullable first.',
    ...overrides,
  };
}

const parse = (text: string) => codeQualityReport.parse(JSON.parse(text));

describe('renderGitlab', () => {
  it('maps error, warning and info onto GitLab severities, with relative POSIX paths and lines', () => {
    const issues = parse(
      renderGitlab({
        findings: [
          finding({}),
          finding({ ruleId: 'rename-field', severity: 'warning', line: 12, operation: { type: 'RenameField', index: 1, path: [] } }),
          finding({ ruleId: 'runsql-irreversible', severity: 'info', path: '.\\billing\\migrations\\0001_initial.py', app: 'billing', migration: '0001_initial', line: 0, operation: { type: 'RunSQL', index: 0, path: [] } }),
        ],
      }),
    );
    expect(issues.map((issue) => [issue.check_name, issue.severity, issue.location.path, issue.location.lines.begin])).toEqual([
      ['runsql-irreversible', 'info', 'billing/migrations/0001_initial.py', 1],
      ['add-field-not-null-without-db-default', 'critical', 'shop/migrations/0002_note.py', 9],
      ['rename-field', 'major', 'shop/migrations/0002_note.py', 12],
    ]);
    expect(parse(renderGitlab({ findings: [finding({ line: 9, column: 5, endLine: 12, endColumn: 6 })] }))[0]?.location.lines).toEqual({ begin: 9, end: 12 });
    expect(issues[1]?.description).toBe('AddField `note` breaks inserts of old code. (shop.0002_note)');
  });

  it('keeps a fingerprint when only the line moves, and changes it with the rule, migration or operation', () => {
    const fingerprintOf = (overrides: Partial<Finding>) => parse(renderGitlab({ findings: [finding(overrides)] }))[0]?.fingerprint;
    const base = fingerprintOf({});
    expect(fingerprintOf({ line: 40, message: 'Reworded message.' })).toBe(base);
    expect(fingerprintOf({ ruleId: 'rename-field' })).not.toBe(base);
    expect(fingerprintOf({ migration: '0003_other' })).not.toBe(base);
    expect(fingerprintOf({ operation: { type: 'AddField', index: 1, path: [] } })).not.toBe(base);
    expect(fingerprintOf({ operation: { type: 'AddField', index: 0, path: ['database_operations'] } })).not.toBe(base);
  });

  it('gives two findings of one rule on one operation distinct fingerprints, and an empty report is []', () => {
    expect(parse(renderGitlab({ findings: [finding({}), finding({ line: 10, message: 'Second.' })] }))).toHaveLength(2);
    expect(parse(renderGitlab({ findings: [] }))).toEqual([]);
  });
});

describe('migrate-help check --format gitlab', () => {
  it('prints a valid Code Quality report for the fixture project and keeps the exit code', async () => {
    const run = await runInProcess(['check', '.', '--format', 'gitlab'], { cwd: `${FIXTURES}project` });
    expect(run.code).toBe(1);
    const issues = parse(run.stdout);
    expect(issues).toEqual([expect.objectContaining({ check_name: 'add-field-not-null-without-db-default', severity: 'critical', location: { path: 'shop/migrations/0002_order_note.py', lines: { begin: 11 } } })]);
    expect(run.stderr).toContain('1 error');
  });
});
