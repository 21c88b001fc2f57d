/**
 * Every rule's own cases, table-driven (ESLint RuleTester style): each bad case must produce exactly
 * the expected {messageId, line} list for its rule, each good case none; bad cases' rendered
 * findings are snapshotted. Plus the conventions every rule module follows.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import type { Report } from '../../src/engine/analyze.js';
import { initParser } from '../../src/engine/parse/index.js';
import { rules } from '../../src/engine/rules/index.js';
import type { Finding, Rule, RuleCase } from '../../src/engine/rules/types.js';
import { assertValidRange } from '../../src/engine/settings.js';
import { DATABASES } from '../../src/engine/types.js';

const DEFAULT_PATH = 'app/migrations/0002_change.py';
const rulesDir = join(dirname(fileURLToPath(import.meta.url)), '../../src/engine/rules');

async function runCase(rule: Rule, ruleCase: RuleCase): Promise<{ report: Report; findings: Finding[] }> {
  const path = ruleCase.path ?? DEFAULT_PATH;
  const sources = [{ path, text: ruleCase.code }, ...Object.entries(ruleCase.context ?? {}).map(([contextPath, text]) => ({ path: contextPath, text }))];
  const settings = {
    database: 'postgresql' as const,
    ...ruleCase.settings,
    // Opt-in rules are tested switched on; the case's own list is kept.
    enabledRules: [...(ruleCase.settings?.enabledRules ?? []), ...(rule.optIn ? [rule.id] : [])],
  };
  // One rule's findings, before the runner folds them with other rules' findings on the same operation.
  const report = await analyzeSources(sources, settings, { targets: [path], ungrouped: true });
  return { report, findings: report.findings.filter((finding) => finding.ruleId === rule.id) };
}

/** What a reader sees for a finding; the snapshot pins wording and placement. */
function renderFinding(finding: Finding): string {
  return `${finding.path}:${finding.line} ${finding.severity} ${finding.ruleId}/${finding.messageId ?? '?'}\n  ${finding.message}`;
}

const byLine = (a: { messageId: string; line: number }, b: { messageId: string; line: number }): number => a.line - b.line || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);

beforeAll(async () => {
  await initParser();
});

describe('rule registry', () => {
  it('lists every rule module in the folder, sorted by id, ids unique', () => {
    const files = readdirSync(rulesDir)
      .filter((name) => name.endsWith('.ts') && name !== 'types.ts' && name !== 'index.ts')
      .map((name) => name.slice(0, -3))
      .sort();
    const ids = rules.map((rule) => rule.id);
    expect(ids).toEqual(files);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe.each(rules.map((rule) => [rule.id, rule] as const))('%s', (_id, rule) => {
  describe('conventions', () => {
    it('has summary, why, a safe alternative with a code block, and databases with readable ranges', () => {
      expect(rule.summary.trim()).not.toBe('');
      expect(rule.why.trim()).not.toBe('');
      expect(rule.safeAlternative).toMatch(/```[a-z]*\n[\s\S]+?\n```/);
      const databases = Object.entries(rule.databases);
      expect(databases.length).toBeGreaterThan(0);
      for (const [database, range] of databases) {
        expect(DATABASES).toContain(database);
        expect(() => assertValidRange(range)).not.toThrow();
      }
    });

    it('has at least one bad and one good case, and bad cases use existing message ids', () => {
      expect(rule.cases.bad.length).toBeGreaterThan(0);
      expect(rule.cases.good.length).toBeGreaterThan(0);
      const messageIds = Object.keys(rule.messages);
      for (const badCase of rule.cases.bad) {
        expect(badCase.expect?.length ?? 0).toBeGreaterThan(0);
        for (const expected of badCase.expect ?? []) expect(messageIds).toContain(expected.messageId);
      }
    });
  });

  describe.each(rule.cases.bad.map((ruleCase, index) => [ruleCase.name ?? `bad #${index + 1}`, ruleCase] as const))('bad: %s', (_name, ruleCase) => {
    it('reports exactly the expected findings', async () => {
      const { report, findings } = await runCase(rule, ruleCase);
      const internal = report.findings.filter((finding) => finding.ruleId === 'internal-error');
      expect(internal).toEqual([]);
      const actual = findings.map((finding) => ({ messageId: finding.messageId ?? '', line: finding.line })).sort(byLine);
      expect(actual).toEqual([...(ruleCase.expect ?? [])].sort(byLine));
      for (const finding of findings) expect(finding.message).not.toMatch(/\{\{/);
      expect(findings.map(renderFinding).join('\n')).toMatchSnapshot();
    });
  });

  describe.each(rule.cases.good.map((ruleCase, index) => [ruleCase.name ?? `good #${index + 1}`, ruleCase] as const))('good: %s', (_name, ruleCase) => {
    it('reports nothing for this rule', async () => {
      const { report, findings } = await runCase(rule, ruleCase);
      expect(report.findings.filter((finding) => finding.ruleId === 'internal-error')).toEqual([]);
      expect(findings.map(renderFinding)).toEqual([]);
    });
  });
});
