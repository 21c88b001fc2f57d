/**
 * `Rule.operationTypes` lets the runner skip a rule on files without those operations. The
 * declarations must never change a finding: every rule case (under every database, opt-in rules
 * on) and every fixture tree is analysed with the filter on and off, and the findings compared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../../src/engine/analyze.js';
import type { SourceFile } from '../../../src/engine/analyze.js';
import { initParser } from '../../../src/engine/parse/index.js';
import { rules } from '../../../src/engine/rules/index.js';
import type { Rule } from '../../../src/engine/rules/types.js';
import { DATABASES } from '../../../src/engine/types.js';
import type { EngineSettings } from '../../../src/engine/types.js';

const DEFAULT_PATH = 'app/migrations/0002_change.py';
const FIXTURES = fileURLToPath(new URL('../../fixtures/migrations/', import.meta.url));
const OPT_IN = rules.filter((rule) => rule.optIn).map((rule) => rule.id);

async function compare(sources: SourceFile[], settings: Partial<EngineSettings>, targets?: string[]): Promise<number> {
  const opts = targets ? { targets } : {};
  const filtered = await analyzeSources(sources, settings, opts);
  const unfiltered = await analyzeSources(sources, settings, { ...opts, ignoreOperationTypes: true });
  expect(filtered.findings).toEqual(unfiltered.findings);
  return unfiltered.findings.length;
}

function migrationFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.py') && !/^[_.~]/.test(entry.name) && current.split(sep).pop() === 'migrations') found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

beforeAll(async () => {
  await initParser();
});

describe('operationTypes declarations', () => {
  it('name operation types only on rules with a per-file check', () => {
    for (const rule of rules) {
      if (!rule.operationTypes) continue;
      expect(rule.check, rule.id).toBeTypeOf('function');
      expect(rule.operationTypes.length, rule.id).toBeGreaterThan(0);
      for (const type of rule.operationTypes) expect(type, rule.id).toMatch(/^[A-Z]\w*$/);
    }
  });

  describe.each(rules.map((rule) => [rule.id, rule] as const))('%s cases find the same with and without the filter', (_id, rule) => {
    const cases = [...rule.cases.bad.map((c) => ['bad', c] as const), ...rule.cases.good.map((c) => ['good', c] as const)];
    it.each(cases.map(([kind, ruleCase], index) => [`${kind} ${ruleCase.name ?? index}`, kind, ruleCase] as const))('%s', async (_name, kind, ruleCase) => {
      const path = ruleCase.path ?? DEFAULT_PATH;
      const sources = [{ path, text: ruleCase.code }, ...Object.entries(ruleCase.context ?? {}).map(([contextPath, text]) => ({ path: contextPath, text }))];
      const enabledRules = [...(ruleCase.settings?.enabledRules ?? []), ...OPT_IN];
      // The case as the rule tests run it (opt-in rules on), then under every database's default version.
      const own = await compare(sources, { database: 'postgresql', ...ruleCase.settings, enabledRules }, [path]);
      if (kind === 'bad') expect(own).toBeGreaterThan(0);
      for (const database of DATABASES) {
        const { databaseVersion: _version, ...rest } = ruleCase.settings ?? {};
        await compare(sources, { ...rest, database, enabledRules }, [path]);
      }
    });
  });

  it.each(DATABASES.map((database) => [database]))('fixture trees find the same with and without the filter on %s', async (database) => {
    const sources = migrationFiles(FIXTURES).map((absolute) => ({ path: relative(FIXTURES, absolute).split(sep).join('/'), text: readFileSync(absolute, 'utf8') }));
    expect(sources.length).toBeGreaterThan(5);
    const found = await compare(sources, { database, enabledRules: OPT_IN });
    expect(found).toBeGreaterThan(0);
  });
});

describe('the runner', () => {
  const always = (id: string, operationTypes?: string[]): Rule =>
    ({
      id,
      severity: 'warning',
      databases: { postgresql: '*' },
      category: 'hygiene',
      summary: id,
      messages: { seen: 'seen' },
      why: id,
      safeAlternative: '```\nnone\n```',
      ...(operationTypes ? { operationTypes } : {}),
      check(ctx) {
        ctx.report({ messageId: 'seen' });
      },
      cases: { bad: [], good: [] },
    }) as Rule;
  const plain = 'from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField("order", "note", models.TextField(null=True)),\n    ]\n';
  const nested = [
    'from django.db import migrations',
    '',
    'class Migration(migrations.Migration):',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)],',
    '        ),',
    '    ]',
    '',
  ].join('\n');
  const sources = [
    { path: 'shop/migrations/0001_plain.py', text: plain },
    { path: 'shop/migrations/0002_nested.py', text: nested },
  ];
  const ruleSet = [always('any-file'), always('runsql-only', ['RunSQL']), always('never-here', ['DeleteModel'])];
  const seen = (findings: Array<{ ruleId: string; path: string }>): string[] => findings.map((finding) => `${finding.ruleId} ${finding.path}`).sort();

  it('skips a rule on files without its operation types, nested operations included', async () => {
    const report = await analyzeSources(sources, { database: 'postgresql' }, { rules: ruleSet });
    expect(seen(report.findings)).toEqual(['any-file shop/migrations/0001_plain.py', 'any-file shop/migrations/0002_nested.py', 'runsql-only shop/migrations/0002_nested.py']);
  });

  it('runs every rule everywhere with ignoreOperationTypes', async () => {
    const report = await analyzeSources(sources, { database: 'postgresql' }, { rules: ruleSet, ignoreOperationTypes: true });
    expect(seen(report.findings)).toHaveLength(6);
  });
});
