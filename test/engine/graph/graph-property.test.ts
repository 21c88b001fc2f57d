/**
 * Property test: on random migration trees (dependencies, run_before, replaces, special names,
 * swappable settings, self-dependencies, duplicates, cycles, missing targets), buildGraph and
 * replayState never throw, and what they return holds together.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/engine/graph/index.js';
import { replayState, visitOperations } from '../../../src/engine/state/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';
import { addField, createModel, deleteModel, field, migration, removeField, renameField, renameModel, separate } from '../../helpers/migration-builder.js';

const APPS = ['shop', 'billing', 'auth'];
const NAMES = ['0001_initial', '0002_a', '0002_b', '0003_c', '0004_squashed', '__first__', '__latest__', 'zz_missing'];
const MODELS = ['Order', 'order', 'Invoice'];

const key = fc.record({ app: fc.constantFrom(...APPS), name: fc.constantFrom(...NAMES) });
const dep = fc.oneof(
  { weight: 8, arbitrary: key.map((k) => `${k.app}.${k.name}`) },
  { weight: 1, arbitrary: fc.constantFrom({ setting: 'AUTH_USER_MODEL' }, { setting: 'UNKNOWN_MODEL' }) },
);
const operation = fc.oneof(
  fc.constantFrom(...MODELS).map((m) => createModel(m, [['id', field('AutoField')]])),
  fc.constantFrom(...MODELS).map((m) => deleteModel(m)),
  fc.tuple(fc.constantFrom(...MODELS), fc.constantFrom(...MODELS)).map(([a, b]) => renameModel(a, b)),
  fc.constantFrom(...MODELS).map((m) => addField(m, 'x', field('IntegerField'))),
  fc.constantFrom(...MODELS).map((m) => removeField(m, 'x')),
  fc.constantFrom(...MODELS).map((m) => renameField(m, 'x', 'y')),
  fc.constantFrom(...MODELS).map((m) => separate([removeField(m, 'id')], [addField(m, 'z', field('TextField'))])),
);
const file = fc
  .record({
    id: key.filter((k) => !k.name.startsWith('__')).map((k) => `${k.app}.${k.name}`),
    deps: fc.array(dep, { maxLength: 4 }),
    runBefore: fc.array(key.map((k) => `${k.app}.${k.name}`), { maxLength: 2 }),
    replaces: fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(key.map((k) => `${k.app}.${k.name}`), { minLength: 1, maxLength: 3 }) }),
    operations: fc.array(operation, { maxLength: 4 }),
  })
  .map((spec) => migration(spec.id, spec));

const tree = fc.array(file, { maxLength: 14 });
const swappable = fc.option(fc.constantFrom({ AUTH_USER_MODEL: 'shop.User' }, { AUTH_USER_MODEL: 'auth.User' }, { AUTH_USER_MODEL: 'nodot' }), { nil: undefined });

describe('graph and state on random trees', () => {
  it('never throw, and the plan is consistent', () => {
    fc.assert(
      fc.property(tree, swappable, fc.subarray([0, 1, 2, 3]), (files, settings, noClass) => {
        const input: MigrationFile[] = files.map((f, i) => (noClass.includes(i) ? { ...f, hasMigrationClass: false } : f));
        const graph = buildGraph(input, settings ? { swappable: settings } : {});
        const report = graph.report();
        const order = graph.order();
        // Each node at most once in the plan and in the order.
        expect(new Set(report.plan).size).toBe(report.plan.length);
        expect(new Set(order).size).toBe(order.length);
        for (const id of report.plan) expect(graph.node(id)?.inGraph).toBe(true);
        if (report.cycles.length === 0) {
          // Without cycles the order covers the graph and puts parents first.
          const position = new Map(order.map((id, i) => [id, i]));
          expect([...report.plan].sort()).toEqual([...order].sort());
          for (const id of order) for (const parent of graph.node(id)!.parents) expect(position.get(parent)!).toBeLessThan(position.get(id)!);
        } else {
          expect(report.plan).toEqual([]);
          for (const cycle of report.cycles) expect(cycle.path[0]).toBe(cycle.path.at(-1));
        }
        for (const app of Object.keys(report.apps)) expect(graph.leaves(app)).toEqual(report.apps[app]!.leaves);
        const timeline = replayState(input, graph);
        for (const f of input) {
          const state = timeline.before(f);
          visitOperations(f, state);
          state.models();
        }
        // Same input in another order gives the same answers.
        expect(JSON.stringify(buildGraph([...input].reverse(), settings ? { swappable: settings } : {}).report())).toBe(JSON.stringify(report));
      }),
      { seed: 20240611, numRuns: 250 },
    );
  });
});
