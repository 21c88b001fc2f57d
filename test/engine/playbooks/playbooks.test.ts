import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diagnose, playbooks } from '../../../src/engine/playbooks/index.js';
import { renderDiagnosisMarkdown } from '../../../src/engine/report/index.js';

const playbookDir = fileURLToPath(new URL('../../../src/engine/playbooks/', import.meta.url));

describe('playbook registry', () => {
  it('holds one module per file, ids equal file names, sorted, all 23 catalogued errors', () => {
    const files = readdirSync(playbookDir)
      .filter((name) => name.endsWith('.ts') && !['index.ts', 'types.ts', 'showmigrations.ts'].includes(name))
      .map((name) => name.slice(0, -3))
      .sort();
    expect(playbooks.map((p) => p.id)).toEqual(files);
    expect(files).toHaveLength(23);
  });

  it('every playbook has at least one match case and one near miss', () => {
    for (const playbook of playbooks) {
      expect(playbook.cases.match.length, playbook.id).toBeGreaterThan(0);
      expect(playbook.cases.nearMiss.length, playbook.id).toBeGreaterThan(0);
    }
  });
});

for (const playbook of playbooks) {
  describe(playbook.id, () => {
    for (const sample of playbook.cases.match) {
      it(`recognises: ${sample.name}`, () => {
        const diagnosis = diagnose(sample.text).find((d) => d.id === playbook.id);
        expect(diagnosis, `${playbook.id} did not recognise its sample`).toBeDefined();
        if (!diagnosis) return;
        expect(diagnosis.extracted).toMatchObject(sample.expect);
        expect(diagnosis.steps.length).toBeGreaterThan(0);
        expect(diagnosis.likelyCauses.length).toBeGreaterThan(0);
        expect(diagnosis.verify.length).toBeGreaterThan(0);
        expect(diagnosis.prevent.length).toBeGreaterThan(0);
        expect(sample.text).toContain(diagnosis.matched.slice(0, 40));
        const rendered = JSON.stringify(diagnosis);
        expect(rendered).not.toContain('undefined');
        // What the user sees, reviewed as a snapshot (squawk-style).
        expect(renderDiagnosisMarkdown(diagnosis)).toMatchSnapshot();
        // Commands carry the extracted names rather than placeholders when the names are known.
        for (const key of ['app', 'table'] as const) {
          const value = diagnosis.extracted[key];
          const commands = diagnosis.steps.map((s) => s.command ?? '').join('\n');
          if (value && commands.includes(`<${key}>`)) throw new Error(`${playbook.id}: placeholder <${key}> left although ${key}=${value} was extracted`);
        }
      });
    }
    for (const text of playbook.cases.nearMiss) {
      it(`ignores near miss: ${text.slice(0, 60)}`, () => {
        expect(diagnose(text).map((d) => d.id)).not.toContain(playbook.id);
      });
    }
  });
}

describe('diagnose', () => {
  it('returns nothing for unrelated text', () => {
    expect(diagnose('hello, how do I add an index without downtime?')).toEqual([]);
    expect(diagnose('')).toEqual([]);
  });

  it('reads a whole migrate run: the failing migration, the vendor and the error', () => {
    const paste = [
      'Operations to perform:',
      '  Apply all migrations: admin, auth, shop',
      'Running migrations:',
      '  Applying shop.0041_order_note... OK',
      '  Applying shop.0042_order_currency...Traceback (most recent call last):',
      '  File "/app/venv/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute',
      '    return self.cursor.execute(sql, params)',
      'psycopg2.errors.LockNotAvailable: canceling statement due to lock timeout',
      '',
      'The above exception was the direct cause of the following exception:',
      'django.db.utils.OperationalError: canceling statement due to lock timeout',
    ].join('\n');
    const [first, ...rest] = diagnose(paste);
    expect(rest).toEqual([]);
    expect(first?.id).toBe('lock-timeout');
    expect(first?.extracted).toMatchObject({ app: 'shop', migration: '0042_order_currency', failingMigration: 'shop.0042_order_currency', database: 'postgresql' });
    expect(first?.steps.map((s) => s.command)).toContain('python manage.py migrate shop 0042_order_currency');
  });

  it('lists several errors in paste order', () => {
    const paste = `django.db.utils.ProgrammingError: relation "shop_order" does not exist\nlater:\nConflicting migrations detected; multiple leaf nodes in the migration graph: (0002_a, 0002_b in shop).`;
    expect(diagnose(paste).map((d) => d.id)).toEqual(['missing-table-or-column', 'conflicting-migrations']);
  });

  it('drops a weak hint when a real error is present', () => {
    const paste = `Migrations for 'shop':\n  shop/migrations/0003_x.py\nValueError: Cannot serialize function: lambda`;
    expect(diagnose(paste).map((d) => d.id)).toEqual(['cannot-serialize']);
    expect(diagnose(`Migrations for 'shop':\n  shop/migrations/0003_x.py`).map((d) => d.id)).toEqual(['unmigrated-model-changes']);
  });

  it('fills commands with the extracted names', () => {
    const [d] = diagnose("InconsistentMigrationHistory: Migration admin.0001_initial is applied before its dependency accounts.0001_initial on database 'default'.");
    expect(d?.steps.map((s) => s.command)).toContain('python manage.py migrate accounts 0001_initial --fake');
  });

  // A hang here means a regex backtracks catastrophically; the timeout turns it into a failure.
  it('stays linear on 200 KB pastes built to defeat backtracking', { timeout: 10_000 }, () => {
    const size = 200_000;
    const adversarial = [
      'Operation '.repeat(size / 10),
      'relation "'.repeat(size / 10),
      'Migration a.b '.repeat(size / 14),
      '('.repeat(size),
      'Cannot serialize function '.repeat(size / 26),
      `Your models in app(s): ${"'a', ".repeat(size / 5)}`,
      'Conflicting migrations detected; multiple leaf nodes in the migration graph: ('.repeat(size / 80),
      'CircularDependencyError: a.b, '.repeat(size / 30),
      'x'.repeat(size),
      ' [X] 0001_initial\n'.repeat(size / 18),
      `${'\n'.repeat(size)}`,
    ];
    for (const paste of adversarial) {
      expect(paste.length).toBeGreaterThan(150_000);
      expect(Array.isArray(diagnose(paste))).toBe(true);
    }
    const real = `django.db.utils.ProgrammingError: relation "shop_order" does not exist\n${'  File "x.py", line 1, in y\n'.repeat(7500)}`;
    expect(real.length).toBeGreaterThan(200_000);
    expect(diagnose(real).map((d) => d.id)).toEqual(['missing-table-or-column']);
  });
});
