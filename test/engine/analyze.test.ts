/**
 * The rule runner: targets vs context, visits and state, applicability, severities, suppressions,
 * parse problems, failing rules, project rules, settings. Runner behaviour is driven with small
 * rules defined here (passed through `opts.rules`) on real parsed files; the last block runs the
 * real registry end to end.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, analyzeSources, fillTemplate } from '../../src/engine/analyze.js';
import { initParser, parseMigration } from '../../src/engine/parse/index.js';
import { rules as registry } from '../../src/engine/rules/index.js';
import { defineRule } from '../../src/engine/rules/types.js';
import type { MigrationRuleContext, Rule } from '../../src/engine/rules/types.js';
import { EngineSettingsError, parseDatabase, parseVersion, resolveSettings, versionInRange } from '../../src/engine/settings.js';
import type { MigrationFile } from '../../src/engine/types.js';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200, null=True)),
            ],
        ),
    ]
`;

const ALTER = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="book",
            name="title",
            field=models.CharField(max_length=200),
        ),
        migrations.AddField(model_name="book", name="isbn", field=models.CharField(max_length=13, null=True)),
    ]
`;

const NESTED = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL("ALTER TABLE library_book ADD COLUMN pages integer NULL;", migrations.RunSQL.noop),
            ],
            state_operations=[
                migrations.AddField(model_name="book", name="pages", field=models.IntegerField(null=True)),
            ],
        ),
        migrations.CreateModel(name="Shelf", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
        migrations.AddField(model_name="shelf", name="label", field=models.CharField(max_length=20, null=True)),
    ]
`;

function parse(path: string, text: string): MigrationFile {
  return parseMigration(text, { path });
}

/** Reports every database-effective operation it visits. */
const probe = defineRule({
  id: 'probe',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '>=8' },
  category: 'hygiene',
  summary: 'test probe',
  messages: { saw: 'Saw {{type}} on {{model}} ({{missing}})' },
  why: 'test',
  safeAlternative: '```python\npass\n```',
  check(ctx) {
    for (const visit of ctx.visits) {
      if (visit.dbEffective) ctx.report({ messageId: 'saw', op: visit.op, data: { type: visit.op.type, model: visit.model ?? '-' } });
    }
  },
  cases: { bad: [], good: [] },
});

function rule<M extends string>(overrides: Partial<Rule<M>> & Pick<Rule<M>, 'id' | 'messages'>): Rule {
  return { ...(probe as Rule), check: undefined, ...overrides } as Rule;
}

beforeAll(async () => {
  await initParser();
});

describe('analyze: targets, visits and state', () => {
  it('lints only the targets; the other files are context for graph and state', () => {
    const files = [parse('library/migrations/0001_initial.py', INITIAL), parse('library/migrations/0002_title.py', ALTER)];
    const seen: string[] = [];
    const stateRule = rule({
      id: 'state-probe',
      messages: { wasNullable: '{{field}} was nullable before' },
      check(ctx) {
        for (const visit of ctx.visits) {
          if (visit.op.type !== 'AlterField') continue;
          const before = visit.stateBefore.model('library', 'Book')?.fields.get('title');
          seen.push(before?.kwargs['null']?.kind ?? 'missing');
          if (before?.kwargs['null']?.kind === 'bool') ctx.report({ messageId: 'wasNullable', op: visit.op, data: { field: 'title' } });
        }
      },
    });
    const report = analyze(files, { database: 'postgresql' }, { targets: ['library/migrations/0002_title.py'], rules: [probe as Rule, stateRule] });
    expect(seen).toEqual(['bool']);
    expect(report.findings.map((finding) => [finding.path, finding.ruleId, finding.line])).toEqual([
      ['library/migrations/0002_title.py', 'probe', 8],
      ['library/migrations/0002_title.py', 'state-probe', 8],
      ['library/migrations/0002_title.py', 'probe', 13],
    ]);
    expect(report.stats).toMatchObject({ files: 2, targets: 1, operations: 2, rulesRun: 2 });
    expect(report.graph.apps['library']?.leaves).toEqual(['library.0002_title']);
  });

  it('visits nested operations in execution order, state operations marked not database-effective', () => {
    const file = parse('library/migrations/0003_pages.py', NESTED);
    const visits: Array<[string, boolean, string | null]> = [];
    const newModel: boolean[] = [];
    const recorder = rule({
      id: 'recorder',
      messages: { none: 'never' },
      check(ctx: MigrationRuleContext) {
        for (const visit of ctx.visits) visits.push([visit.op.type, visit.dbEffective, visit.model]);
        const addLabel = ctx.visits.find((visit) => visit.op.type === 'AddField' && visit.model === 'shelf')!;
        newModel.push(ctx.isNewModel('shelf', addLabel.op), ctx.isNewModel('book', addLabel.op), ctx.isNewModel('Shelf'));
        // The state before AddField(label) already has the model created just above it.
        newModel.push(addLabel.stateBefore.model('library', 'shelf') !== undefined);
      },
    });
    analyze([parse('library/migrations/0001_initial.py', INITIAL), file], {}, { targets: [file.path], rules: [recorder] });
    expect(visits).toEqual([
      ['SeparateDatabaseAndState', true, null],
      ['RunSQL', true, null],
      ['AddField', false, 'book'],
      ['CreateModel', true, 'shelf'],
      ['AddField', true, 'shelf'],
    ]);
    expect(newModel).toEqual([true, false, true, true]);
  });

  it('sorts findings by path, line and rule id', () => {
    const files = [parse('b/migrations/0001_initial.py', INITIAL.replace('"Book"', '"Item"')), parse('a/migrations/0001_initial.py', INITIAL)];
    const report = analyze(files, {}, { rules: [probe as Rule, rule({ ...probe, id: 'another-probe' })] });
    expect(report.findings.map((finding) => `${finding.path}:${finding.line}:${finding.ruleId}`)).toEqual([
      'a/migrations/0001_initial.py:9:another-probe',
      'a/migrations/0001_initial.py:9:probe',
      'b/migrations/0001_initial.py:9:another-probe',
      'b/migrations/0001_initial.py:9:probe',
    ]);
  });

  it('fills message holes and leaves unknown ones visible', () => {
    const report = analyze([parse('library/migrations/0001_initial.py', INITIAL)], {}, { rules: [probe as Rule] });
    expect(report.findings[0]).toMatchObject({ message: 'Saw CreateModel on book ({{missing}})', messageId: 'saw', app: 'library', migration: '0001_initial', operation: { type: 'CreateModel', index: 0, path: [] } });
    expect(fillTemplate('{{ a }}-{{b}}-{{c}}', { a: 1, b: 'x' })).toBe('1-x-{{c}}');
  });
});

describe('analyze: which rules run and how severe', () => {
  const files = () => [parse('library/migrations/0001_initial.py', INITIAL)];

  it('applies database and version ranges', () => {
    const legacy = rule({ id: 'legacy-pg', databases: { postgresql: '<11' }, messages: { m: 'legacy' }, check: (ctx) => ctx.report({ messageId: 'm' }) });
    const windowed = rule({ id: 'windowed-pg', databases: { postgresql: '>=14.0 <14.4' }, messages: { m: 'window' }, check: (ctx) => ctx.report({ messageId: 'm' }) });
    const ids = (settings: Parameters<typeof analyze>[1]) => [...new Set(analyze(files(), settings, { rules: [probe as Rule, legacy, windowed] }).findings.map((f) => f.ruleId))].sort();
    expect(ids({ database: 'postgresql' })).toEqual(['probe']);
    expect(ids({ database: 'postgresql', databaseVersion: '10.5' })).toEqual(['legacy-pg', 'probe']);
    expect(ids({ database: 'postgresql', databaseVersion: '14.2' })).toEqual(['probe', 'windowed-pg']);
    expect(ids({ database: 'mysql', databaseVersion: '5.7' })).toEqual([]);
    expect(ids({ database: 'mysql' })).toEqual(['probe']);
    expect(ids({ database: 'sqlite' })).toEqual([]);
  });

  it('runs opt-in rules only when enabled, and never disabled ones', () => {
    const optIn = rule({ id: 'opt-in-probe', optIn: true, messages: { m: 'opted in' }, check: (ctx) => ctx.report({ messageId: 'm' }) });
    const run = (settings: Parameters<typeof analyze>[1]) => analyze(files(), settings, { rules: [probe as Rule, optIn] });
    expect(run({}).findings.map((f) => f.ruleId)).toEqual(['probe']);
    expect(run({ enabledRules: ['opt-in-probe'] }).findings.map((f) => f.ruleId).sort()).toEqual(['opt-in-probe', 'probe']);
    expect(run({ enabledRules: ['opt-in-probe'], disabledRules: ['probe'] }).findings.map((f) => f.ruleId)).toEqual(['opt-in-probe']);
    expect(run({ disabledRules: ['probe'] }).stats.rulesRun).toBe(0);
  });

  it('picks severity: settings override > per-finding > per-database > rule default', () => {
    const layered = rule({
      id: 'layered',
      severity: 'info',
      severityByDatabase: { mysql: 'error' },
      databases: { postgresql: '*', mysql: '*' },
      messages: { plain: 'plain', explicit: 'explicit' },
      check(ctx) {
        ctx.report({ messageId: 'plain', line: 1 });
        ctx.report({ messageId: 'explicit', line: 2, severity: 'warning' });
      },
    });
    const severities = (settings: Parameters<typeof analyze>[1]) => analyze(files(), settings, { rules: [layered] }).findings.map((f) => `${f.messageId}:${f.severity}`);
    expect(severities({ database: 'postgresql' })).toEqual(['plain:info', 'explicit:warning']);
    expect(severities({ database: 'mysql' })).toEqual(['plain:error', 'explicit:warning']);
    expect(severities({ database: 'mysql', severityOverrides: { layered: 'info' } })).toEqual(['plain:info', 'explicit:info']);
  });
});

describe('analyze: suppressions', () => {
  const SUPPRESSED = `# migrate-help: ignore-file other-probe
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        # migrate-help: ignore probe
        migrations.AddField(model_name="book", name="a", field=models.IntegerField(null=True)),
        migrations.AddField(model_name="book", name="b", field=models.IntegerField(null=True)),  # migrate-help: ignore
        migrations.AddField(model_name="book", name="c", field=models.IntegerField(null=True)),
        # migrate-help: ignore probe, not-a-rule
        migrations.RunSQL("SELECT 1;", migrations.RunSQL.noop),
    ]
`;
  const unused = registry.find((candidate) => candidate.id === 'unused-suppression')!;

  it('honours operation-level ids, bare (all rules) and file-level suppressions', () => {
    const other = rule({ ...probe, id: 'other-probe' });
    const report = analyze([parse('library/migrations/0002_x.py', SUPPRESSED)], {}, { rules: [probe as Rule, other] });
    expect(report.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['probe:12']);
  });

  it('reports suppressions that hid nothing, and ids that are not rules', () => {
    const onlyC = rule({
      ...probe,
      id: 'probe',
      check(ctx) {
        for (const { op } of ctx.visits) if (op.name === 'a' || op.name === 'c') ctx.report({ messageId: 'saw', op, data: { type: op.type, model: 'book' } });
      },
    });
    const other = rule({ ...probe, id: 'other-probe', check: undefined });
    const report = analyze([parse('library/migrations/0002_x.py', SUPPRESSED)], {}, { rules: [onlyC, other, unused] });
    expect(report.findings.map((f) => `${f.ruleId}/${f.messageId}:${f.line}`)).toEqual([
      'unused-suppression/unusedFile:1',
      'unused-suppression/unusedAll:11',
      'probe/saw:12',
      'unused-suppression/unused:13',
      'unused-suppression/unknownRule:13',
    ]);
    expect(report.findings.find((f) => f.messageId === 'unknownRule')?.message).toContain('`not-a-rule`');
  });

  it('does not judge suppressions of rules that did not run for this database', () => {
    const pgOnly = rule({ ...probe, id: 'probe', databases: { postgresql: '*' } });
    const other = rule({ ...probe, id: 'other-probe', databases: { postgresql: '*' } });
    const report = analyze([parse('library/migrations/0002_x.py', SUPPRESSED)], { database: 'sqlite' }, { rules: [pgOnly, other, unused] });
    expect(report.findings.map((f) => `${f.messageId}:${f.line}`)).toEqual(['unusedAll:11', 'unknownRule:13']);
  });
});

describe('analyze: nothing is skipped silently', () => {
  it('turns parse problems into parse-error findings with their line, and still lints the rest', () => {
    const broken = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []

    operations = [
        migrations.CreateModel(name="Thing", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.RunSQL("SELECT 1" +
    ]
`;
    const report = analyze([parse('things/migrations/0001_initial.py', broken)], {}, { rules: [probe as Rule] });
    const parseErrors = report.findings.filter((f) => f.ruleId === 'parse-error');
    expect(parseErrors.length).toBeGreaterThan(0);
    // A real SyntaxError: `migrate` would crash importing the file, so it is an error.
    expect(parseErrors.every((f) => f.line === 9)).toBe(true);
    expect(parseErrors.filter((f) => f.messageId === 'syntax-error').every((f) => f.severity === 'error')).toBe(true);
    expect(parseErrors.filter((f) => f.messageId !== 'syntax-error').every((f) => f.severity === 'warning')).toBe(true);
    expect(parseErrors.some((f) => f.messageId === 'syntax-error')).toBe(true);
    expect(report.findings.some((f) => f.ruleId === 'probe' && f.line === 8)).toBe(true);
    expect(report.problems['things/migrations/0001_initial.py']?.length).toBe(parseErrors.length);
  });

  it('keeps a parse problem that is valid Python (operations built by code) a warning', () => {
    const dynamic = `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []

    operations = build_operations()
`;
    const report = analyze([parse('things/migrations/0002_dynamic.py', dynamic)], {}, { rules: [probe as Rule] });
    const parseErrors = report.findings.filter((f) => f.ruleId === 'parse-error');
    expect(parseErrors.length).toBeGreaterThan(0);
    expect(parseErrors.some((f) => f.messageId === 'syntax-error')).toBe(false);
    expect(parseErrors.every((f) => f.severity === 'warning')).toBe(true);
  });

  it('turns a throwing rule into an internal-error finding naming it; other rules still report', () => {
    const boom = rule({
      id: 'boom',
      messages: { m: 'never' },
      check() {
        throw new Error('kaput');
      },
    });
    const report = analyze([parse('library/migrations/0001_initial.py', INITIAL)], {}, { rules: [boom, probe as Rule] });
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(['internal-error', 'probe']);
    const internal = report.findings.find((f) => f.ruleId === 'internal-error')!;
    expect(internal.message).toContain('rule boom');
    expect(internal.message).toContain('kaput');
  });

  it('a rule reporting an unknown message id is an internal error, not a crash', () => {
    const sloppy = rule({ id: 'sloppy', messages: { m: 'x' }, check: (ctx) => ctx.report({ messageId: 'nope' as 'm' }) });
    const report = analyze([parse('library/migrations/0001_initial.py', INITIAL)], {}, { rules: [sloppy] });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ ruleId: 'internal-error' });
    expect(report.findings[0]!.message).toContain('unknown message id "nope"');
  });

  it('names a target that was not among the files', () => {
    const report = analyze([parse('library/migrations/0001_initial.py', INITIAL)], {}, { targets: ['library/migrations/0009_missing.py'], rules: [probe as Rule] });
    expect(report.findings).toEqual([]);
    expect(report.problems['library/migrations/0009_missing.py']?.[0]?.code).toBe('target-not-found');
  });
});

describe('analyze: project rules', () => {
  it('runs checkProject once with every file and keeps findings on targets only', () => {
    let calls = 0;
    const project = rule({
      id: 'project-probe',
      messages: { leaf: '{{count}} files' },
      checkProject(ctx) {
        calls++;
        for (const file of ctx.files) ctx.reportAt(file, { messageId: 'leaf', data: { count: ctx.files.length } });
      },
    });
    const files = [parse('library/migrations/0001_initial.py', INITIAL), parse('library/migrations/0002_title.py', ALTER)];
    const report = analyze(files, {}, { targets: ['library/migrations/0002_title.py'], rules: [project] });
    expect(calls).toBe(1);
    expect(report.findings.map((f) => `${f.path}:${f.line}:${f.message}`)).toEqual(['library/migrations/0002_title.py:4:2 files']);
  });
});

describe('analyze: settings', () => {
  it('refuses unknown databases, unreadable versions and unknown rule ids with a clear message', () => {
    const files = [parse('library/migrations/0001_initial.py', INITIAL)];
    expect(() => analyze(files, { database: 'mssql' as 'mysql' })).toThrow(EngineSettingsError);
    expect(() => analyze(files, { database: 'mssql' as 'mysql' })).toThrow('Unknown database "mssql". Use one of: postgresql, mysql, mariadb, sqlite, oracle.');
    expect(() => analyze(files, { databaseVersion: 'latest' })).toThrow('Cannot read database version "latest"');
    expect(() => analyze(files, { disabledRules: ['no-such-rule'] })).toThrow('Unknown rule id in settings: no-such-rule');
    expect(() => analyze(files, { severityOverrides: { 'runsql-irreversible': 'fatal' as 'error' } })).toThrow('Severity "fatal"');
  });

  it('defaults database, per-vendor version and the user model', () => {
    expect(resolveSettings({})).toEqual({ database: 'postgresql', version: [16, 0, 0], versionText: '16', swappable: { AUTH_USER_MODEL: 'auth.User' } });
    expect(resolveSettings({ database: 'mysql' }).version).toEqual([8, 0, 40]);
    expect(resolveSettings({ database: 'mariadb' }).versionText).toBe('10.11.10');
    expect(resolveSettings({ database: 'sqlite' }).version).toEqual([3, 45, 0]);
    expect(resolveSettings({ database: 'oracle' }).version).toEqual([19, 0, 0]);
    expect(resolveSettings({ databaseVersion: ' ' }).versionText).toBe('16');
    expect(resolveSettings({ swappable: { AUTH_USER_MODEL: 'accounts.User' } }).swappable).toEqual({ AUTH_USER_MODEL: 'accounts.User' });
  });

  it('reads database names and versions as people write them', () => {
    expect(parseDatabase('Postgres')).toBe('postgresql');
    expect(parseDatabase('django.db.backends.sqlite3')).toBe('sqlite');
    expect(parseDatabase('django.contrib.gis.db.backends.postgis')).toBe('postgresql');
    expect(parseVersion('8.0.32')).toEqual([8, 0, 32]);
    expect(parseVersion('10.11.6-MariaDB')).toEqual([10, 11, 6]);
    expect(parseVersion('v14')).toEqual([14, 0, 0]);
  });

  it('matches version ranges', () => {
    const at = (text: string, range: string) => versionInRange(parseVersion(text), range);
    expect(at('9.6', '*')).toBe(true);
    expect(at('12', '>=12')).toBe(true);
    expect(at('11.9', '>=12')).toBe(false);
    expect(at('10.23', '<11')).toBe(true);
    expect(at('11', '<11')).toBe(false);
    expect(at('14.3.9', '>=14.0 <14.4')).toBe(true);
    expect(at('14.4', '>=14.0 <14.4')).toBe(false);
    expect(at('14.7', '14')).toBe(true);
    expect(at('15', '14')).toBe(false);
    expect(at('5.7', '<5.7 || >=8')).toBe(false);
    expect(at('8.0.1', '<5.7 || >=8')).toBe(true);
    expect(() => at('1', 'twelve')).toThrow('Cannot read version range "twelve"');
  });
});

describe('analyzeSources with the real registry', () => {
  it('parses, times the parse phase and reports real findings with their safe alternative', async () => {
    const report = await analyzeSources(
      [
        { path: 'library/migrations/0001_initial.py', text: INITIAL },
        {
          path: 'library/migrations/0002_fill.py',
          text: `from django.db import migrations


def fill(apps, schema_editor):
    Book = apps.get_model("library", "Book")
    Book.objects.filter(title__isnull=True).update(title="Untitled")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(fill),
    ]
`,
        },
      ],
      { database: 'postgresql' },
      { targets: ['library/migrations/0002_fill.py'] },
    );
    expect(report.stats.ms.parse).toBeGreaterThanOrEqual(0);
    expect(report.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['runpython-unbatched-backfill:6', 'runpython-irreversible:13', 'runpython-not-elidable:13']);
    expect(report.findings[1]!.safeAlternative).toContain('RunPython.noop');
    expect(report.settings.versionText).toBe('16');
  });
});
