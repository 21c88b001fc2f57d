/**
 * Runs the bad/good cases of the graph rules through the real parser and graph, calling each
 * rule's checkProject directly (the shared rules test runs them through the analyzer as well).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/engine/graph/index.js';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import dependencyCycle from '../../../src/engine/rules/dependency-cycle.js';
import dependencyNotFound from '../../../src/engine/rules/dependency-not-found.js';
import multipleLeafNodes from '../../../src/engine/rules/multiple-leaf-nodes.js';
import noMigrationClass from '../../../src/engine/rules/no-migration-class.js';
import replacesInconsistent from '../../../src/engine/rules/replaces-inconsistent.js';
import type { Rule, RuleCase } from '../../../src/engine/rules/types.js';
import { resolveSettings } from '../../../src/engine/settings.js';
import type { Severity } from '../../../src/engine/types.js';

const graphRules: Rule[] = [multipleLeafNodes, dependencyNotFound, dependencyCycle, replacesInconsistent, noMigrationClass];

beforeAll(async () => {
  await initParser();
});

function run(rule: Rule, testCase: RuleCase) {
  const path = testCase.path ?? 'app/migrations/0002_change.py';
  const sources = { ...(testCase.context ?? {}), [path]: testCase.code };
  const files = Object.entries(sources).map(([p, text]) => parseMigration(text, { path: p }));
  const settings = resolveSettings(testCase.settings);
  const graph = buildGraph(files, { swappable: settings.swappable }).report();
  const found: Array<{ messageId: string; line: number; message: string; severity: Severity }> = [];
  rule.checkProject!({
    files,
    settings,
    graph,
    reportAt(file, input) {
      if (file.path !== path) return;
      const template = (rule.messages as Record<string, string>)[input.messageId];
      expect(template, `unknown message id ${input.messageId}`).toBeDefined();
      const message = template!.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(input.data?.[k] ?? `{{${k}}}`));
      found.push({ messageId: input.messageId, line: input.line ?? 0, message, severity: input.severity ?? rule.severity });
    },
  });
  return found;
}

describe.each(graphRules.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  it('has the shape every rule has', () => {
    expect(rule.category).toBe('graph');
    expect(Object.keys(rule.databases).sort()).toEqual(['mariadb', 'mysql', 'oracle', 'postgresql', 'sqlite']);
    expect(rule.safeAlternative).toMatch(/```/);
    expect(rule.cases.bad.length).toBeGreaterThan(0);
    expect(rule.cases.good.length).toBeGreaterThan(0);
    expect(typeof rule.checkProject).toBe('function');
    expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it.each(rule.cases.bad.map((c) => [c.name ?? 'bad', c] as const))('bad: %s', (_name, testCase) => {
    const found = run(rule, testCase);
    expect(found.length, 'a bad case must produce findings').toBeGreaterThan(0);
    expect(found.map(({ messageId, line }) => ({ messageId, line }))).toEqual(testCase.expect);
    for (const finding of found) expect(finding.message).not.toMatch(/\{\{/);
  });

  it.each(rule.cases.good.map((c) => [c.name ?? 'good', c] as const))('good: %s', (_name, testCase) => {
    expect(run(rule, testCase)).toEqual([]);
  });
});

describe('graph rule messages', () => {
  it('dependency-not-found quotes the NodeNotFoundError Django prints', () => {
    const [finding] = run(dependencyNotFound, dependencyNotFound.cases.bad[0]!);
    expect(finding!.message).toContain("Migration shop.0003_order_note dependencies reference nonexistent parent node ('shop', '0002_order_status')");
  });

  it('multiple-leaf-nodes names both leaves the way Django does', () => {
    const [finding] = run(multipleLeafNodes, multipleLeafNodes.cases.bad[0]!);
    expect(finding!.message).toContain('(0002_order_note, 0002_order_status in shop)');
  });

  it('dependency-cycle shows the cycle', () => {
    const [finding] = run(dependencyCycle, dependencyCycle.cases.bad[0]!);
    expect(finding!.message).toContain('billing.0001_initial → shop.0001_initial → billing.0001_initial');
  });

  it('replaces-inconsistent reports a finished transition as info only', () => {
    const found = run(replacesInconsistent, {
      path: 'shop/migrations/0001_squashed_0002_status.py',
      code: `from django.db import migrations


class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_status")]
    dependencies = []
    operations = []
`,
    });
    expect(found).toEqual([expect.objectContaining({ messageId: 'replacedFilesGone', severity: 'info', line: 4 })]);
  });
});
