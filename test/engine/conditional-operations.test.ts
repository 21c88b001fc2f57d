/**
 * Operations built by code in the class body (test/fixtures/migrations/conditional): `+=`,
 * `.append`/`.extend`, `if`/`else` blocks, lists joined by `+`, conditional expressions, a module-level
 * list, and a `for` loop. Every branch is linted and tagged with its condition; state replay follows
 * the first branch; what cannot be read is an info finding naming it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/engine/analyze.js';
import type { Report } from '../../src/engine/analyze.js';
import { buildGraph } from '../../src/engine/graph/index.js';
import { initParser, parseMigration } from '../../src/engine/parse/index.js';
import { literalReaderCounts } from '../../src/engine/parse/literal-module.js';
import { replayState, visitOperations } from '../../src/engine/state/index.js';
import type { MigrationFile } from '../../src/engine/types.js';

const DIR = fileURLToPath(new URL('../fixtures/migrations/conditional/migrations/', import.meta.url));
let files: MigrationFile[];
let report: Report;

const file = (name: string): MigrationFile => files.find((each) => each.name === name)!;
const findingsOf = (name: string) => report.findings.filter((finding) => finding.migration === name);

beforeAll(async () => {
  await initParser();
  const read = literalReaderCounts.read;
  const names = readdirSync(DIR).filter((name) => /^\d{4}_.*\.py$/.test(name)).sort();
  files = names.map((name) => parseMigration(readFileSync(`${DIR}${name}`, 'utf8'), { path: `conditional/migrations/${name}` }));
  // The fast reader reads every one of these shapes itself (the differential test checks it agrees).
  expect(literalReaderCounts.read - read).toBe(names.length);
  report = analyze(files, { database: 'postgresql' });
});

describe('reading operations built by code', () => {
  it('applies +=, append and extend in order, unconditionally', () => {
    const ops = file('0002_extend').operations;
    expect(ops.map((op) => [op.index, op.type, op.name ?? op.args['index']?.kind])).toEqual([
      [0, 'AddField', 'note'],
      [1, 'AddField', 'points'],
      [2, 'RemoveField', 'legacy'],
      [3, 'AddIndex', 'call'],
    ]);
    expect(ops.every((op) => op.condition === undefined)).toBe(true);
    expect(file('0002_extend').problems).toEqual([]);
  });

  it('reads every branch of if/else, each with its condition; only the if branch is replayed', () => {
    const ops = file('0003_vendor').operations;
    expect(ops.map((op) => [op.type, op.name, op.condition?.text, op.condition?.replayed])).toEqual([
      ['AddField', 'total', "connection.vendor == 'postgresql'", true],
      ['AddField', 'total', "not (connection.vendor == 'postgresql')", false],
      ['RemoveField', 'note', "not (connection.vendor == 'postgresql')", false],
      ['AddIndex', undefined, 'settings.ORDER_SEARCH', true],
    ]);
    expect(ops[2]?.condition?.branches).toEqual([{ chain: 0, branch: 1 }]);
    expect(file('0003_vendor').problems).toEqual([]);
  });

  it('splits lists joined by + and conditional expressions, resolving a module-level list', () => {
    const ops = file('0004_joined').operations;
    expect(ops.map((op) => [op.type, op.span.line, op.condition?.text])).toEqual([
      ['AddField', 4, undefined],
      ['RemoveField', 12, undefined],
      ['AddIndex', 13, 'settings.INDEX_WEIGHT'],
    ]);
    expect(file('0005_referenced').operations.map((op) => [op.type, op.name, op.span.line])).toEqual([['RemoveField', 'weight', 4]]);
  });

  it('does not run a for loop: it is a dynamic-operations problem naming the loop and its line', () => {
    const loop = file('0006_loop');
    expect(loop.operations.map((op) => op.name)).toEqual(['flag']);
    expect(loop.problems).toEqual([
      { code: 'dynamic-operations', message: '`operations` is changed in the loop `for name in ["a", "b"]`; the loop is not run, so what it adds to `operations` is not read.', line: 10 },
    ]);
  });
});

describe('linting operations built by code', () => {
  it('lints every branch that can run on the target and tags each finding with its condition, in the message too', () => {
    const vendor = findingsOf('0003_vendor').map((finding) => [finding.ruleId, finding.severity, finding.line, finding.condition]);
    expect(vendor).toEqual([
      ['add-field-not-null-without-db-default', 'error', 10, "connection.vendor == 'postgresql'"],
      ['add-index-non-concurrent', 'warning', 20, 'settings.ORDER_SEARCH'],
    ]);
    expect(findingsOf('0003_vendor')[0]?.message).toMatch(/\(only when connection\.vendor == 'postgresql'\)$/);
    // On MySQL the else branch runs, and the postgresql branch does not.
    const mysql = analyze(files, { database: 'mysql' }).findings.filter((finding) => finding.migration === '0003_vendor');
    expect(mysql.map((finding) => [finding.ruleId, finding.line, finding.condition])).toEqual([['remove-field', 15, "not (connection.vendor == 'postgresql')"]]);
    const removal = mysql[0]!;
    expect(removal.message).toMatch(/\(only when not \(connection\.vendor == 'postgresql'\)\)$/);
    expect(removal.operation).toEqual({ type: 'RemoveField', index: 2, path: [] });
    const index = findingsOf('0004_joined').find((finding) => finding.ruleId === 'add-index-non-concurrent')!;
    expect(index.message.endsWith('(only when settings.INDEX_WEIGHT)')).toBe(true);
  });

  it('finds the risks of operations added by += and append, with no condition', () => {
    expect(findingsOf('0002_extend').map((finding) => [finding.ruleId, finding.operation?.index, finding.condition])).toEqual([
      ['add-field-not-null-without-db-default', 0, undefined],
      ['add-field-not-null-without-db-default', 1, undefined],
      ['remove-field', 2, undefined],
      ['add-index-non-concurrent', 3, undefined],
    ]);
    expect(findingsOf('0005_referenced').map((finding) => finding.ruleId)).toEqual(['remove-field']);
  });

  it('reports what the loop hides as one info finding naming it, and no parse-error', () => {
    expect(findingsOf('0006_loop').map((finding) => [finding.ruleId, finding.severity, finding.line])).toEqual([
      ['add-field-not-null-without-db-default', 'error', 8],
      ['dynamic-operations', 'info', 10],
    ]);
    expect(findingsOf('0006_loop').find((finding) => finding.ruleId === 'dynamic-operations')?.message).toContain('the loop `for name in ["a", "b"]`');
    expect(report.findings.filter((finding) => finding.ruleId === 'parse-error')).toEqual([]);
  });
});

describe('state replay across branches', () => {
  it('follows the first branch of each chain: the else branch changes no state', () => {
    const timeline = replayState(files, buildGraph(files));
    const order = timeline.final().model('conditional', 'order')!;
    expect([...order.fields.keys()]).toEqual(['id', 'code', 'note', 'total', 'flag']);
    // The postgresql branch's NOT NULL `total`, not the else branch's nullable one.
    expect(order.fields.get('total')?.kwargs['null']).toBeUndefined();
  });

  it('shows an operation off that path the state its own branch builds', () => {
    const timeline = replayState(files, buildGraph(files));
    const vendor = file('0003_vendor');
    const visits = visitOperations(vendor, timeline.before(vendor), timeline.operationStates?.(vendor));
    const removal = visits.find((visit) => visit.op.type === 'RemoveField')!;
    expect(removal.stateBefore.model('conditional', 'order')?.fields.get('total')?.kwargs['null']).toEqual({ kind: 'bool', value: true });
    const index = visits.find((visit) => visit.op.type === 'AddIndex')!;
    expect(index.stateBefore.model('conditional', 'order')?.fields.get('total')?.kwargs['null']).toBeUndefined();
  });
});
