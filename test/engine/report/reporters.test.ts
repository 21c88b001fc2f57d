import { describe, expect, it } from 'vitest';
import type { GraphReport } from '../../../src/engine/graph/types.js';
import { diagnose } from '../../../src/engine/playbooks/index.js';
import {
  REPORT_FORMATS,
  escapeData,
  renderDiagnosisMarkdown,
  renderGithub,
  renderGraphMarkdown,
  renderGraphText,
  renderJson,
  renderMarkdown,
  renderSarif,
  renderText,
  reporters,
} from '../../../src/engine/report/index.js';
import type { ReporterInput, RuleMeta } from '../../../src/engine/report/index.js';
import type { Finding } from '../../../src/engine/rules/types.js';

const recipe = 'Add the column nullable first:\n\n```python\nmigrations.AddField("order", "note", models.TextField(null=True))\n```\n\nThen backfill.';

function finding(overrides: Partial<Finding>): Finding {
  return {
    ruleId: 'add-field-not-null',
    severity: 'error',
    message: 'AddField `note` makes every insert of old code fail.',
    path: 'shop/migrations/0002_note.py',
    app: 'shop',
    migration: '0002_note',
    line: 9,
    operation: { type: 'AddField', index: 0, path: [] },
    why: 'Old code does not send the column.',
    safeAlternative: recipe,
    ...overrides,
  };
}

const findings: Finding[] = [
  finding({ ruleId: 'rename-field', severity: 'warning', line: 20, message: 'RenameField breaks old code.', safeAlternative: 'Add, copy, switch, drop.' }),
  finding({}),
  finding({ line: 14, message: 'A second one on the same rule.' }),
  finding({ path: 'billing\\migrations\\0001_initial.py', app: 'billing', migration: '0001_initial', ruleId: 'runsql-irreversible', severity: 'info', line: 3, message: 'RunSQL has no reverse_sql.', safeAlternative: 'Give reverse_sql.' }),
];

const input: ReporterInput = { findings, settings: { database: 'postgresql', versionText: '16' }, stats: { files: 5, targets: 2 } };

const rules: RuleMeta[] = [
  { id: 'add-field-not-null', severity: 'error', summary: 'NOT NULL AddField without db default.', why: 'Old code inserts fail.', safeAlternative: recipe, links: ['https://docs.djangoproject.com/'], category: 'rolling-deploy', databases: { postgresql: '*', mysql: '*' } },
];

function fencesBalanced(text: string): boolean {
  return (text.match(/```/g) ?? []).length % 2 === 0;
}

describe('reporters map', () => {
  it('names every format the CLI offers, each returning a string', () => {
    expect(REPORT_FORMATS).toEqual(['text', 'json', 'sarif', 'github', 'gitlab', 'markdown']);
    for (const format of REPORT_FORMATS) expect(typeof reporters[format](input)).toBe('string');
  });
});

describe('text', () => {
  const text = renderText(input);
  it('groups by file (sorted, POSIX paths), then severity, with rule id, line and message', () => {
    const billing = text.indexOf('billing/migrations/0001_initial.py');
    const shop = text.indexOf('shop/migrations/0002_note.py');
    expect(billing).toBeGreaterThanOrEqual(0);
    expect(shop).toBeGreaterThan(billing);
    const shopPart = text.slice(shop);
    expect(shopPart.indexOf('error')).toBeLessThan(shopPart.indexOf('warning'));
    expect(shopPart).toMatch(/error\s+line 9\s+add-field-not-null/);
    expect(shopPart).toContain('AddField `note` makes every insert of old code fail.');
  });
  it('prints a safe alternative once per rule and file', () => {
    expect(text.split('Add the column nullable first').length - 1).toBe(1);
    expect(text).toContain('Safe alternative: as above for add-field-not-null.');
    expect(text).toContain('Add, copy, switch, drop.');
  });
  it('ends with counts and the rules pointer; no colour unless asked', () => {
    expect(text).toContain('2 errors, 1 warning, 1 info in 2 migration files (5 read for context) for PostgreSQL 16.');
    expect(text).toContain('docs/rules/README.md');
    expect(text).not.toContain('\x1b[');
    expect(renderText({ ...input, color: true })).toContain('\x1b[31m');
  });
  it('says so when there is nothing to report', () => {
    expect(renderText({ findings: [], stats: { files: 3, targets: 3 } })).toContain('No findings in 3 migration files.');
  });
});

describe('json', () => {
  it('is one parseable document with sorted findings and counts', () => {
    const doc = JSON.parse(renderJson(input));
    expect(doc.version).toBe(1);
    expect(doc.summary).toEqual({ error: 2, warning: 1, info: 1, files: 5, targets: 2 });
    expect(doc.findings.map((f: Finding) => `${f.path}:${f.line}`)).toEqual(['billing/migrations/0001_initial.py:3', 'shop/migrations/0002_note.py:9', 'shop/migrations/0002_note.py:14', 'shop/migrations/0002_note.py:20']);
  });
});

describe('sarif', () => {
  const doc = JSON.parse(renderSarif({ ...input, rules, version: '0.1.0' }));
  const run = doc.runs[0];
  it('is SARIF 2.1.0 with sorted rule metadata and help text', () => {
    expect(doc.version).toBe('2.1.0');
    expect(doc.$schema).toContain('sarif-2.1.0');
    expect(run.tool.driver.name).toBe('migrate-help');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['add-field-not-null', 'rename-field', 'runsql-irreversible']);
    const first = run.tool.driver.rules[0];
    expect(first.help.text).toContain('Add the column nullable first');
    expect(first.helpUri).toBe('https://docs.djangoproject.com/');
    expect(first.defaultConfiguration.level).toBe('error');
    expect(first.properties.databases).toEqual(['mysql', 'postgresql']);
    // A rule without metadata still gets its help from the finding.
    expect(run.tool.driver.rules[2].help.text).toContain('Give reverse_sql.');
  });
  it('maps severities, points ruleIndex at the rule and uses relative POSIX URIs, sorted', () => {
    const results = run.results as Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }> }>;
    expect(results.map((r) => r.level)).toEqual(['note', 'error', 'error', 'warning']);
    for (const result of results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(results[0]?.locations[0]?.physicalLocation.artifactLocation).toEqual({ uri: 'billing/migrations/0001_initial.py', uriBaseId: '%SRCROOT%' });
    expect(results.map((r) => r.locations[0]?.physicalLocation.region.startLine)).toEqual([3, 9, 14, 20]);
  });
  it('turns absolute paths into file URIs', () => {
    const abs = JSON.parse(renderSarif({ findings: [finding({ path: '/srv/app/shop/migrations/0002 note.py' })] }));
    expect(abs.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('file:///srv/app/shop/migrations/0002%20note.py');
  });
});

describe('github annotations', () => {
  it('writes one escaped workflow command per finding', () => {
    const out = renderGithub({ findings: [finding({ message: '100% of rows\nfail: yes, really', path: 'a,b:c/migrations/0002_x.py', severity: 'warning' })] });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const match = /^::warning file=([^,]*),line=(\d+),title=([^:]*)::(.*)$/.exec(lines[0] ?? '');
    expect(match).not.toBeNull();
    expect(match?.[1]).toBe('a%2Cb%3Ac/migrations/0002_x.py');
    expect(match?.[2]).toBe('9');
    expect(decodeURIComponent(match?.[3] ?? '')).toBe('add-field-not-null (shop.0002_note)');
    const message = decodeURIComponent(match?.[4] ?? '');
    expect(message.startsWith('100% of rows\nfail: yes, really\n\nSafe alternative:\n')).toBe(true);
  });
  it('maps info to notice and prints nothing for no findings', () => {
    expect(renderGithub(input)).toMatch(/^::notice file=billing\/migrations\/0001_initial.py,line=3,/);
    expect(renderGithub({ findings: [] })).toBe('');
    expect(escapeData('a%b\r\nc')).toBe('a%25b%0D%0Ac');
  });
});

describe('ranges', () => {
  const ranged = finding({ line: 9, column: 9, endLine: 11, endColumn: 10 });
  it('text shows line:column when the finding has a range', () => {
    expect(renderText({ findings: [ranged] })).toMatch(/error\s+line 9:9\s+add-field-not-null/);
    expect(renderText({ findings: [finding({})] })).toMatch(/error\s+line 9\s+add-field-not-null/);
  });
  it('JSON keeps the range fields', () => {
    const [first] = JSON.parse(renderJson({ findings: [ranged] })).findings;
    expect(first).toMatchObject({ line: 9, column: 9, endLine: 11, endColumn: 10 });
  });
  it('SARIF regions carry start and end columns, line-only findings only a start line', () => {
    const region = (f: Finding) => JSON.parse(renderSarif({ findings: [f] })).runs[0].results[0].locations[0].physicalLocation.region;
    expect(region(ranged)).toEqual({ startLine: 9, startColumn: 9, endLine: 11, endColumn: 10 });
    expect(region(finding({}))).toEqual({ startLine: 9 });
  });
  it('GitHub annotations give endLine, col and endColumn', () => {
    expect(renderGithub({ findings: [ranged] })).toMatch(/^::error file=shop\/migrations\/0002_note.py,line=9,endLine=11,col=9,endColumn=10,title=/);
    expect(renderGithub({ findings: [finding({})] })).toMatch(/^::error file=shop\/migrations\/0002_note.py,line=9,title=/);
  });
});

describe('markdown', () => {
  it('groups by severity, lists each finding, gives each rule its safe alternative once', () => {
    const md = renderMarkdown(input);
    expect(md.indexOf('**Errors**')).toBeLessThan(md.indexOf('**Warnings**'));
    expect(md.indexOf('**Warnings**')).toBeLessThan(md.indexOf('**Info**'));
    expect(md).toContain('- `shop/migrations/0002_note.py:14` A second one on the same rule.');
    expect(md.split('Add the column nullable first').length - 1).toBe(1);
    expect(fencesBalanced(md)).toBe(true);
    // Fences start at the beginning of a line so Slack renders them.
    for (const line of md.split('\n')) if (line.includes('```')) expect(line.startsWith('```')).toBe(true);
  });
  it('drops whole sections to fit a size limit and never leaves a fence open', () => {
    const many = Array.from({ length: 30 }, (_, i) => finding({ ruleId: `rule-${String(i).padStart(2, '0')}`, line: i + 1 }));
    const md = renderMarkdown({ findings: many }, { maxChars: 1_500 });
    expect(md.length).toBeLessThanOrEqual(1_600);
    expect(fencesBalanced(md)).toBe(true);
    expect(md).toMatch(/more sections left out/);
  });
  it('renders a clean report', () => {
    expect(renderMarkdown({ findings: [] })).toContain('no risky operations found');
  });
  it('renders a diagnosis with numbered steps and commands in fences', () => {
    const [d] = diagnose('django.db.utils.ProgrammingError: relation "shop_order" does not exist');
    const md = renderDiagnosisMarkdown(d!);
    expect(md).toContain('**Recovery**\n1. ');
    expect(md).toContain('```bash\npython manage.py showmigrations shop\n```');
    expect(fencesBalanced(md)).toBe(true);
  });
});

describe('graph renderings', () => {
  const graph: GraphReport = {
    apps: { shop: { migrations: 4, leaves: ['shop.0003_a', 'shop.0003_b'] }, billing: { migrations: 1, leaves: ['billing.0001_initial'] } },
    conflicts: [{ app: 'shop', leaves: ['shop.0003_a', 'shop.0003_b'], branches: { 'shop.0003_a': ['shop.0003_a'], 'shop.0003_b': ['shop.0003_b'] } }],
    cycles: [{ path: ['a.0001', 'b.0001', 'a.0001'], message: 'a.0001, b.0001' }],
    missing: [{ from: { app: 'shop', name: '0003_a' }, missing: { app: 'shop', name: '0002_gone' }, via: 'dependency', message: "Migration shop.0003_a dependencies reference nonexistent parent node ('shop', '0002_gone')", path: 'shop/migrations/0003_a.py', line: 7 }],
    staleReplaces: [],
    squashes: [],
    plan: ['billing.0001_initial', 'shop.0001_initial'],
  };
  it('markdown lists conflicts with branches, cycles, missing and leaves', () => {
    const md = renderGraphMarkdown(graph);
    expect(md).toContain('`shop` has 2 leaves: `shop.0003_a`, `shop.0003_b`');
    expect(md).toContain('`a.0001` → `b.0001` → `a.0001`');
    expect(md).toContain("`shop/migrations/0003_a.py:7` Migration shop.0003_a dependencies reference nonexistent parent node");
    expect(fencesBalanced(md)).toBe(true);
  });
  it('text lists every section and the plan', () => {
    const text = renderGraphText(graph);
    expect(text).toContain('Conflicts (1)');
    expect(text).toContain('Stale replaces: none');
    expect(text).toContain('Plan (2 migrations)\n  billing.0001_initial\n  shop.0001_initial');
  });
});
