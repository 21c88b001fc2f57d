/**
 * Fidelity check: our parser against CPython's `ast` reading of the same migration files.
 *
 *   node --import tsx scripts/fidelity.ts <dir> [<dir>...] [--python python3] [--quiet]
 *
 * Runs scripts/fidelity.py on the directories, parses every file it lists with src/engine/parse,
 * and prints per-field agreement counts and every disagreement. Exit code 1 when any differ.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParser, parseMigration } from '../src/engine/parse/index.js';
import type { MigrationFile, Operation } from '../src/engine/types.js';

type OpShape = { type: string; children?: Record<string, OpShape[]> };

interface PythonRecord {
  path: string;
  error?: string;
  hasMigrationClass?: boolean;
  dependencies?: Array<[string, string] | { setting: string }>;
  replaces?: Array<[string, string]>;
  run_before?: Array<[string, string]>;
  initial?: boolean | null;
  atomic?: boolean | null;
  operations?: OpShape[];
}

const FIELDS = ['hasMigrationClass', 'dependencies', 'replaces', 'run_before', 'initial', 'atomic', 'operations'] as const;

function shape(ops: readonly Operation[]): OpShape[] {
  return ops.map((op) => {
    const entry: OpShape = { type: op.type };
    if (op.children && Object.keys(op.children).length > 0) {
      entry.children = Object.fromEntries(Object.entries(op.children).map(([key, children]) => [key, shape(children)]));
    }
    return entry;
  });
}

function ours(file: MigrationFile): Record<(typeof FIELDS)[number], unknown> {
  return {
    hasMigrationClass: file.hasMigrationClass,
    dependencies: file.dependencies.map((dep) => ('setting' in dep ? { setting: dep.setting } : [dep.app, dep.name])),
    replaces: file.replaces.map((key) => [key.app, key.name]),
    run_before: file.runBefore.map((key) => [key.app, key.name]),
    initial: file.initial,
    atomic: file.atomic,
    operations: shape(file.operations),
  };
}

/** Canonical JSON (sorted keys) so that equal values compare equal as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))) : item,
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let quiet = false;
  let python = 'python3';
  const dirs: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--quiet') quiet = true;
    else if (arg === '--python') python = args[++index] ?? python;
    else dirs.push(arg);
  }
  if (dirs.length === 0) {
    console.error('usage: fidelity.ts <dir> [<dir>...] [--python python3] [--quiet]');
    return 2;
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), 'fidelity.py');
  const output = execFileSync(python, [script, ...dirs], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const records = output.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as PythonRecord);
  await initParser();

  const agree: Record<string, number> = Object.fromEntries(FIELDS.map((field) => [field, 0]));
  const compared: Record<string, number> = Object.fromEntries(FIELDS.map((field) => [field, 0]));
  let pythonErrors = 0;
  let filesAllAgree = 0;
  const disagreements: string[] = [];
  for (const record of records) {
    if (record.error) {
      pythonErrors++;
      if (!quiet) console.log(`SKIP ${record.path}: CPython cannot parse it (${record.error})`);
      continue;
    }
    const file = parseMigration(readFileSync(record.path, 'utf8'), { path: record.path });
    const mine = ours(file);
    let allAgree = true;
    for (const field of FIELDS) {
      if (field !== 'hasMigrationClass' && record.hasMigrationClass === false) continue;
      compared[field] = (compared[field] ?? 0) + 1;
      const expected = canonical(record[field]);
      const actual = canonical(mine[field]);
      if (expected === actual) agree[field] = (agree[field] ?? 0) + 1;
      else {
        allAgree = false;
        disagreements.push(`DIFF ${record.path} ${field}\n  python: ${expected.slice(0, 600)}\n  ours:   ${actual.slice(0, 600)}`);
      }
    }
    if (allAgree) filesAllAgree++;
  }
  for (const line of disagreements) console.log(line);
  const files = records.length - pythonErrors;
  console.log(`\nfiles: ${records.length} (${pythonErrors} not parseable by CPython, skipped)`);
  for (const field of FIELDS) {
    const total = compared[field] ?? 0;
    const ok = agree[field] ?? 0;
    console.log(`${field.padEnd(18)} ${ok}/${total} agree (${total === 0 ? '100.0' : ((100 * ok) / total).toFixed(1)}%)`);
  }
  console.log(`${'all fields'.padEnd(18)} ${filesAllAgree}/${files} files agree (${files === 0 ? '100.0' : ((100 * filesAllAgree) / files).toFixed(1)}%)`);
  return disagreements.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
