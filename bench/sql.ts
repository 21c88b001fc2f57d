/**
 * `npm run bench:sql -- <dir> [--rounds N] [--synthetic N] [--default-auto-field BigAutoField]`: `sql` (SQL prediction for PostgreSQL) and `check` (the
 * rules) over the same migration tree in one run, side by side, plus the share of non-RunPython
 * operations the prediction covers on that tree.
 */
import { performance } from 'node:perf_hooks';
import { check } from '../src/cli/commands/check.js';
import { sql } from '../src/cli/commands/sql.js';
import { buildSynthetic, findMigrationFiles, readSources } from './engine-tree.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const args = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : Number(args[at + 1]);
};
const rounds = option('--rounds') ?? 5;
const autoAt = args.indexOf('--default-auto-field');
const defaultAutoField = autoAt === -1 ? undefined : args[autoAt + 1];
const synthetic = option('--synthetic');
const given = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (given.length !== 1) {
  console.error('usage: npm run bench:sql -- <dir> [--rounds N] [--synthetic N] [--default-auto-field BigAutoField]');
  process.exit(2);
}
const cwd = process.cwd();
let dirs = given;
if (synthetic) {
  // An N-file tree replicated from the given one under renamed apps (the tree bench:engine uses).
  const tree = await buildSynthetic(await readSources(given[0]!, await findMigrationFiles(given[0]!)), synthetic);
  dirs = [tree.dir];
}
const database = 'postgresql';
// Warm up both paths once (parser WASM, module loading) before timing.
const result = await sql({ paths: dirs, cwd, database, ...(defaultAutoField ? { defaultAutoField } : {}) });
await check({ paths: dirs, cwd, database });
const sqlTimes: number[] = [];
const checkTimes: number[] = [];
for (let i = 0; i < rounds; i++) {
  checkTimes.push(await timed(() => check({ paths: dirs, cwd, database })));
  sqlTimes.push(await timed(() => sql({ paths: dirs, cwd, database, ...(defaultAutoField ? { defaultAutoField } : {}) })));
}
const ops = result.migrations.flatMap((m) => m.operations).filter((op) => op.type !== 'RunPython');
const predicted = ops.filter((op) => !op.unknown).length;
const reasons = new Map<string, number>();
for (const op of ops) if (op.unknown) reasons.set(op.reason ?? '?', (reasons.get(op.reason ?? '?') ?? 0) + 1);
const sqlMs = median(sqlTimes);
const checkMs = median(checkTimes);
console.log(`tree: ${dirs.join(', ')} — ${result.migrations.length} migrations, median of ${rounds} rounds`);
console.log(`  check  ${checkMs.toFixed(0).padStart(7)} ms`);
console.log(`  sql    ${sqlMs.toFixed(0).padStart(7)} ms   (${(sqlMs / checkMs).toFixed(2)}x check; target ≤ 1.20x)`);
console.log(`  predicted: ${predicted}/${ops.length} non-RunPython operations (${((100 * predicted) / Math.max(ops.length, 1)).toFixed(1)}%)`);
for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${String(count).padStart(5)}  ${reason}`);
