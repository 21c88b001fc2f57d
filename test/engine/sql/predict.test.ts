import { beforeAll, describe, expect, it } from 'vitest';
import { predictSql } from '../../../src/engine/sql/index.js';
import type { MigrationSql } from '../../../src/engine/sql/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';
import { expected, fixtureMigrations, normalise } from './fixtures.js';

let files: MigrationFile[];
beforeAll(async () => {
  files = await fixtureMigrations();
});

/** The predicted statements of a migration in the order Django runs them (deferred ones last). */
function runOrder(migration: MigrationSql): string[] {
  const all = migration.operations.flatMap((op) => op.statements);
  return [...all.filter((s) => !s.deferred), ...all.filter((s) => s.deferred)].flatMap((s) => normalise(s.sql));
}

const TARGETS = [
  { vendor: 'postgresql', target: { database: 'postgresql', version: '15' } },
  { vendor: 'mysql', target: { database: 'mariadb', version: '10.11.19' } },
] as const;

describe.each(TARGETS)('predicted SQL equals Django 5.2 sqlmigrate on $vendor', ({ vendor, target }) => {
  it('matches every operation the engine claims to predict, migration by migration', () => {
    // The fixture project's settings: DEFAULT_AUTO_FIELD = BigAutoField (join tables' id).
    const predicted = predictSql(files, target, { defaultAutoField: 'BigAutoField' });
    let claimed = 0;
    let equal = 0;
    for (const migration of predicted) {
      const want = expected(vendor, migration.name);
      if (want.error) {
        // Django refused the migration on this backend: the engine must not claim it either.
        expect(migration.operations.some((op) => op.unknown), `${migration.name}: ${want.error}`).toBe(true);
        continue;
      }
      const known = migration.operations.filter((op) => !op.unknown && op.type !== 'RunSQL');
      claimed += known.length;
      if (migration.operations.every((op) => !op.unknown)) {
        expect(runOrder(migration), migration.name).toEqual(want.all);
        expect(migration.atomic, migration.name).toBe(want.transaction);
        equal += known.length;
      } else {
        // Operations around the unknown one: compare each claimed operation's immediate statements.
        migration.operations.forEach((op, i) => {
          if (op.unknown || op.type === 'RunSQL') return;
          expect(op.statements.filter((s) => !s.deferred).flatMap((s) => normalise(s.sql)), `${migration.name} #${i}`).toEqual(want.operations[i]);
          equal++;
        });
      }
    }
    expect(equal).toBe(claimed);
    console.log(`sql equality (${vendor}): ${equal}/${claimed} operations claimed equal Django's`);
  });

  it('leaves unknown an AlterUniqueTogether adding two sets, whose order Django takes from a Python set', () => {
    const migration = predictSql(files, target, { defaultAutoField: 'BigAutoField' }).find((m) => m.name === '0019_two_unique_sets');
    expect(migration?.operations[0]).toMatchObject({ unknown: true, reason: expect.stringMatching(/Python set/) });
  });

  it('says why RunPython is not predicted', () => {
    const op = predictSql(files, target).flatMap((m) => m.operations).find((o) => o.type === 'RunPython');
    expect(op).toMatchObject({ unknown: true, statements: [] });
    expect(op?.reason).toMatch(/Python/);
  });
});

describe('other databases', () => {
  it('marks SQLite and Oracle operations unknown with a reason', () => {
    for (const database of ['sqlite', 'oracle'] as const) {
      const ops = predictSql(files, { database, version: '3.45' }).flatMap((m) => m.operations);
      expect(ops.every((op) => op.unknown && op.reason)).toBe(true);
    }
  });
});
