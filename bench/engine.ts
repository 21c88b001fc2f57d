/**
 * `npm run bench:engine -- [dir] [--synthetic N] [--repeat N] [--python python3] [--rss-files N] [--phases [--warmup N] [--gc-between]]`
 *
 * Whole processes, as a user or CI meets them: a fresh `migrate-help check <dir>` (the built bin)
 * per run against a fresh `python3` that merely reads and `ast.parse`s the same files, their ratio,
 * the check's peak RSS, and the start-up of `migrate-help --version`. `--synthetic N` first builds
 * an N-file tree in a temp directory by replicating the given tree under renamed apps. `--phases`
 * adds the in-process breakdown (bench/engine-phases.ts). Each run also times check with the parse
 * workers off (MIGRATE_HELP_PARSE_WORKERS=0) and with one, and measures peak RSS on a synthetic tree of
 * `--rss-files` files (10,000; 0 skips it).
 *
 * Each process runs under a small Python harness that reads the child's rusage from the kernel
 * (RUSAGE_CHILDREN): CPU time and peak RSS exactly, with no sampling.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../scripts/build.js';
import { workerCount } from '../src/cli/parse-pool.js';
import { runPhases } from './engine-phases.js';
import { buildSynthetic, findMigrationFiles, readSources } from './engine-tree.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin/migrate-help.js');

interface Options {
  dir: string;
  repeat: number;
  warmup: number;
  gcBetween: boolean;
  synthetic: number | null;
  python: string;
  phases: boolean;
  /** Also measure peak RSS on a synthetic tree of this many files (0: not). */
  rssFiles: number;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench:engine -- [dir] [--synthetic N] [--repeat N] [--python python3] [--rss-files N] [--phases [--warmup N] [--gc-between]]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { dir: join(root, 'test/fixtures/migrations/shapes'), repeat: 5, warmup: 5, gcBetween: false, synthetic: null, python: 'python3', phases: false, rssFiles: 10000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--repeat') options.repeat = Number(value());
    else if (arg === '--warmup') options.warmup = Number(value());
    else if (arg === '--gc-between') options.gcBetween = true;
    else if (arg === '--synthetic') options.synthetic = Number(value());
    else if (arg === '--python') options.python = value();
    else if (arg === '--phases') options.phases = true;
    else if (arg === '--rss-files') options.rssFiles = Number(value());
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else options.dir = resolve(arg);
  }
  if (!Number.isInteger(options.repeat) || options.repeat < 1) usage('--repeat must be a positive integer');
  if (!Number.isInteger(options.warmup) || options.warmup < 0) usage('--warmup must be a non-negative integer');
  if (!Number.isInteger(options.rssFiles) || options.rssFiles < 0) usage('--rss-files must be a non-negative integer');
  if (options.synthetic !== null && (!Number.isInteger(options.synthetic) || options.synthetic < 1)) usage('--synthetic must be a positive integer');
  return options;
}

/** Runs argv[1:] once, output discarded, and prints the child's wall time and kernel rusage as JSON. */
const HARNESS = `
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": done.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss, "stderr": done.stderr.decode("utf8", "replace")[-2000:]}))
`;

/** The baseline: read each listed file and parse it, nothing more. A file CPython rejects still counts as read. */
const PYTHON_PARSE = `
import ast, sys
with open(sys.argv[1], encoding="utf8") as listing:
    paths = listing.read().splitlines()
rejected = 0
for path in paths:
    with open(path, "rb") as f:
        source = f.read()
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        rejected += 1
print(f"{len(paths)} files, {rejected} rejected by CPython", file=sys.stderr)
`;

interface ProcessRun {
  code: number;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  stderr: string;
}

function measureProcess(python: string, command: readonly string[], env: Record<string, string> = {}): ProcessRun {
  const result = spawnSync(python, ['-c', HARNESS, ...command], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } });
  if (result.error) throw new Error(`cannot run ${python}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`the ${python} harness failed: ${result.stderr.trim().split('\n').pop() ?? ''}`);
  const parsed = JSON.parse(result.stdout) as { code: number; wall: number; cpu: number; maxrss_kb: number; stderr: string };
  return { code: parsed.code, wallMs: parsed.wall * 1000, cpuMs: parsed.cpu * 1000, maxRssMb: parsed.maxrss_kb / 1024, stderr: parsed.stderr };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

function summarise(name: string, runs: readonly ProcessRun[]): string {
  const wall = runs.map((run) => run.wallMs);
  return `${name.padEnd(34)} ${fmt(median(wall)).padStart(8)} ${fmt(Math.min(...wall)).padStart(8)} ${fmt(median(runs.map((run) => run.cpuMs))).padStart(8)} ${Math.max(...runs.map((run) => run.maxRssMb)).toFixed(0).padStart(8)}`;
}

/** The last line of the check's text report: "… in N migration files for …". */
function checkedFileCount(dir: string): string {
  const result = spawnSync(process.execPath, [BIN, 'check', dir, '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`migrate-help check ${dir} exited ${result.status}: ${result.stderr.trim()}`);
  return /in (\d+) migration files?/.exec(result.stdout)?.[1] ?? '?';
}

/** Peak RSS (and times) of check on an N-file synthetic tree built from the given one: the memory target. */
async function measureBigTree(options: Options, sources: Awaited<ReturnType<typeof readSources>>): Promise<void> {
  const big = await buildSynthetic(sources, options.rssFiles);
  try {
    const command = [process.execPath, BIN, 'check', big.dir, '--fail-on', 'never'];
    measureProcess(options.python, command);
    const runs = [measureProcess(options.python, command), measureProcess(options.python, command)];
    const failed = runs.find((run) => run.code !== 0);
    if (failed) throw new Error(`check of the ${options.rssFiles}-file tree exited ${failed.code}: ${failed.stderr.trim()}`);
    console.log(`peak RSS of check on ${big.paths.length} synthetic files (copies of this tree): ${Math.max(...runs.map((run) => run.maxRssMb)).toFixed(0)} MB, ${fmt(median(runs.map((run) => run.wallMs)))} ms wall, ${fmt(median(runs.map((run) => run.cpuMs)))} ms cpu   (target < 300 MB on 10,000 files)`);
  } finally {
    await rm(big.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(options.dir)) usage(`no such directory: ${options.dir}`);
  let paths = await findMigrationFiles(options.dir);
  if (paths.length === 0) usage(`no migration files (*.py inside a migrations/ folder) under ${options.dir}`);
  // Measure the code as it is now, built as `npm run build` builds it.
  await build();
  const scratch = await mkdtemp(join(tmpdir(), 'migrate-help-bench-'));
  let dir = options.dir;
  try {
    if (options.synthetic !== null) {
      const built = await buildSynthetic(await readSources(options.dir, paths), options.synthetic);
      dir = built.dir;
      paths = built.paths;
    }
    const listing = join(scratch, 'files.txt');
    await writeFile(listing, paths.join('\n'));
    const sources = await readSources(dir, paths);
    const mb = sources.reduce((sum, source) => sum + source.bytes, 0) / (1024 * 1024);

    const checkCommand = [process.execPath, BIN, 'check', dir, '--fail-on', 'never'];
    const pythonCommand = [options.python, '-c', PYTHON_PARSE, listing];
    // One untimed run of each: fills the page cache for both and shows what they read.
    const checked = checkedFileCount(dir);
    const pythonNote = measureProcess(options.python, pythonCommand).stderr.trim();
    const checks: ProcessRun[] = [];
    const oneThread: ProcessRun[] = [];
    const oneWorker: ProcessRun[] = [];
    const pythons: ProcessRun[] = [];
    // Interleaved, so a burst of load on the machine lands on all sides.
    for (let round = 0; round < options.repeat; round++) {
      checks.push(measureProcess(options.python, checkCommand));
      oneThread.push(measureProcess(options.python, checkCommand, { MIGRATE_HELP_PARSE_WORKERS: '0' }));
      oneWorker.push(measureProcess(options.python, checkCommand, { MIGRATE_HELP_PARSE_WORKERS: '1' }));
      pythons.push(measureProcess(options.python, pythonCommand));
    }
    const failed = [...checks, ...oneThread, ...oneWorker, ...pythons].find((run) => run.code !== 0);
    if (failed) throw new Error(`a measured process exited ${failed.code}: ${failed.stderr.trim()}`);
    const versions: ProcessRun[] = [];
    const bare: ProcessRun[] = [];
    for (let round = 0; round < Math.max(20, options.repeat); round++) {
      versions.push(measureProcess(options.python, [process.execPath, BIN, '--version']));
      bare.push(measureProcess(options.python, [process.execPath, '-e', '0']));
    }

    const where = options.synthetic !== null ? `${options.dir} → synthetic tree of ${paths.length} files (temp dir, removed after)` : options.dir;
    console.log(`\nmigrate-help bench:engine — ${where}`);
    console.log(`${paths.length} files, ${mb.toFixed(2)} MB; check read ${checked} files; python: ${pythonNote}`);
    console.log(`node ${process.version}; ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)} (wall times move with the machine's load; CPU times less so)`);
    console.log(`whole processes, ${options.repeat} interleaved run(s) each after one untimed run:\n`);
    console.log(`${'process'.padEnd(34)} ${'wall md'.padStart(8)} ${'wall min'.padStart(8)} ${'cpu md'.padStart(8)} ${'RSS MB'.padStart(8)}`);
    console.log(`${'-'.repeat(34)} ${'-'.repeat(8)} ${'-'.repeat(8)} ${'-'.repeat(8)} ${'-'.repeat(8)}`);
    console.log(summarise('migrate-help check (built bin)', checks));
    console.log(summarise('  parse workers off (=0)', oneThread));
    console.log(summarise('  one parse worker (=1)', oneWorker));
    console.log(summarise(`${options.python} ast.parse`, pythons));
    console.log(summarise('migrate-help --version', versions));
    console.log(summarise('node -e 0 (node start-up alone)', bare));
    const ratio = (pick: (run: ProcessRun) => number): string => (median(checks.map(pick)) / median(pythons.map(pick))).toFixed(2);
    console.log(`\nratio check / python: ${ratio((run) => run.wallMs)}x wall (median), ${(Math.min(...checks.map((r) => r.wallMs)) / Math.min(...pythons.map((r) => r.wallMs))).toFixed(2)}x wall (min), ${ratio((run) => run.cpuMs)}x cpu   (target ≤ 1.0x on 3,000 real files)`);
    console.log(`peak RSS of check: ${Math.max(...checks.map((run) => run.maxRssMb)).toFixed(0)} MB   (target < 300 MB on 10,000 files)`);
    console.log(`migrate-help --version: ${fmt(median(versions.map((run) => run.wallMs)))} ms wall (median of ${versions.length})   (target ≤ 150 ms)`);
    console.log(`check with one parse worker / without: ${(median(oneWorker.map((run) => run.wallMs)) / median(oneThread.map((run) => run.wallMs))).toFixed(2)}x wall (median), ${(median(oneWorker.map((run) => run.cpuMs)) / median(oneThread.map((run) => run.cpuMs))).toFixed(2)}x cpu; by default check starts ${workerCount(paths.length)} worker(s) here now (one per idle core)`);
    if (options.rssFiles > 0 && paths.length < options.rssFiles) await measureBigTree(options, sources);

    if (options.phases) {
      await runPhases(sources, { where, repeat: options.repeat, warmup: options.warmup, gcBetween: options.gcBetween, python: options.python });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    if (dir !== options.dir) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:engine failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
