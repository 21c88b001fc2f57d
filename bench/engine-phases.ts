/**
 * `npm run bench:engine -- <dir> --phases`: the engine in this process, phase by phase (parse,
 * graph, state replay, rules), median of warm rounds after warm-up rounds, against CPython's
 * `ast.parse` time alone. What to look at when the whole-process figure moves.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze, buildGraph, initParser, parseMigration, replayState } from '../src/engine/index.js';
import type { MigrationFile } from '../src/engine/index.js';
import { loadedParser } from '../src/engine/parse/grammar.js';
import { useLiteralReader } from '../src/engine/parse/migration.js';
import { literalReaderCounts } from '../src/engine/parse/literal-module.js';
import type { Source } from './engine-tree.js';

export interface PhaseOptions {
  /** What the header names: the folder, or the synthetic tree's origin. */
  where: string;
  repeat: number;
  warmup: number;
  gcBetween: boolean;
  python: string;
}

/**
 * A full GC between rounds, so one round's garbage does not count toward the next round's peak RSS
 * (the npm script cannot pass --expose-gc, so the flag is set at run time).
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** RSS is sampled between files (the work is synchronous, timers would not fire) and by the kernel's maxRSS. */
let peakRssSampled = 0;
function sampleRss(): void {
  const rss = process.memoryUsage().rss;
  if (rss > peakRssSampled) peakRssSampled = rss;
}

const PYTHON_PROGRAM = `
import ast, json, sys, time
paths = json.load(sys.stdin)
sources = []
for p in paths:
    with open(p, "rb") as f:
        sources.append(f.read())
start = time.perf_counter()
cpu_start = time.process_time()
for src in sources:
    ast.parse(src)
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu_start
print(json.dumps({"parse_s": elapsed, "parse_cpu_s": cpu, "files": len(sources), "version": sys.version.split()[0]}))
`;

interface PythonRun {
  parseMs: number;
  parseCpuMs: number;
  wallMs: number;
  version: string;
}

async function runPython(python: string, paths: readonly string[]): Promise<PythonRun> {
  const started = performance.now();
  const child = spawn(python, ['-c', PYTHON_PROGRAM], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(paths));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', resolveExit);
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${python} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
  const result = JSON.parse(stdout) as { parse_s: number; parse_cpu_s: number; version: string };
  return { parseMs: result.parse_s * 1000, parseCpuMs: result.parse_cpu_s * 1000, wallMs, version: result.version };
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export async function runPhases(sources: readonly Source[], options: PhaseOptions): Promise<void> {
  const totalBytes = sources.reduce((sum, source) => sum + source.bytes, 0);
  const mb = totalBytes / (1024 * 1024);
  const rssBefore = process.memoryUsage().rss;

  const started = performance.now();
  await initParser();
  const initMs = performance.now() - started;

  /** Wall and CPU time of one phase. CPU time (this process) is what to trust on a busy machine. */
  const measure = <T>(work: () => T): { value: T; ms: number; cpuMs: number } => {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const value = work();
    const ms = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuStart);
    return { value, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const rounds: Array<{ parse: number; parseCpu: number; graph: number; graphCpu: number; state: number; stateCpu: number; rules: number; analyzeCpu: number }> = [];
  let findings = 0;
  let problems = 0;
  let operations = 0;
  // tree-sitter alone (parse and free the tree), and the tree-sitter reader alone: what the literal
  // reader is measured against. Their own rounds, so their garbage does not land in the engine's.
  const rawTimes: Array<{ ms: number; cpuMs: number }> = [];
  const treeReaderTimes: number[] = [];
  for (let round = 0; round < options.repeat; round++) {
    collectGarbage();
    rawTimes.push(measure(() => {
      const parser = loadedParser();
      for (const source of sources) parser.parse(source.text)?.delete();
    }));
    useLiteralReader(false);
    try {
      treeReaderTimes.push(measure(() => sources.map((source) => parseMigration(source.text, { path: source.path }))).ms);
    } finally {
      useLiteralReader(true);
    }
  }
  collectGarbage();
  let counted = { ...literalReaderCounts, reasons: { ...literalReaderCounts.reasons } };
  let oneRunRssMb = 0;
  // Warm-up rounds let V8 compile the hot code, as any long-running process (the bot) or a big
  // tree has it; the first round is reported separately as the cold run. No forced GC between
  // rounds unless --gc-between: a forced full GC shrinks the heap and makes the next round pay
  // to grow it again, which no real run does.
  let cold = 0;
  for (let round = 0; round < options.warmup + options.repeat; round++) {
    if (options.gcBetween) collectGarbage();
    const parsed = measure(() => {
      const files: MigrationFile[] = [];
      for (let i = 0; i < sources.length; i++) {
        const source = sources[i]!;
        files.push(parseMigration(source.text, { path: source.path }));
        if (i % 100 === 0) sampleRss();
      }
      return files;
    });
    sampleRss();
    // Graph and state replay alone, for their CPU time; analyze() below redoes both and times them by wall clock.
    const graphAlone = measure(() => buildGraph(parsed.value, {}));
    graphAlone.value.report();
    const stateAlone = measure(() => replayState(parsed.value, graphAlone.value));
    const analysed = measure(() => analyze(parsed.value, { database: 'postgresql' }));
    sampleRss();
    const report = analysed.value;
    if (round === 0) {
      cold = parsed.ms + analysed.ms;
      // What one run (the CLI's) holds at most: the process's peak so far.
      oneRunRssMb = (process.resourceUsage().maxRSS * 1024) / (1024 * 1024);
      const before = counted;
      counted = {
        read: literalReaderCounts.read - before.read,
        gaveUp: literalReaderCounts.gaveUp - before.gaveUp,
        defects: literalReaderCounts.defects - before.defects,
        reasons: Object.fromEntries(Object.entries(literalReaderCounts.reasons).map(([reason, count]) => [reason, count - (before.reasons[reason] ?? 0)]).filter(([, count]) => (count as number) > 0)),
      };
    }
    if (round < options.warmup) continue;
    rounds.push({
      parse: parsed.ms,
      parseCpu: parsed.cpuMs,
      graph: report.stats.ms.graph,
      graphCpu: graphAlone.cpuMs,
      state: report.stats.ms.state,
      stateCpu: stateAlone.cpuMs,
      rules: report.stats.ms.rules,
      analyzeCpu: analysed.cpuMs,
    });
    findings = report.findings.length;
    operations = report.stats.operations;
    problems = Object.keys(report.problems).length;
  }

  const engineMaxRssMb = (process.resourceUsage().maxRSS * 1024) / (1024 * 1024);
  const engineSampledMb = peakRssSampled / (1024 * 1024);

  const pythonRuns: PythonRun[] = [];
  let pythonError: string | null = null;
  try {
    for (let round = 0; round < options.repeat; round++) pythonRuns.push(await runPython(options.python, sources.map((source) => source.absolute)));
  } catch (error) {
    pythonError = error instanceof Error ? error.message : String(error);
  }

  const med = (pick: (round: (typeof rounds)[number]) => number): number => median(rounds.map(pick));
  const parseMs = med((r) => r.parse);
  const graphMs = med((r) => r.graph);
  const stateMs = med((r) => r.state);
  const rulesMs = med((r) => r.rules);
  const engineMs = parseMs + graphMs + stateMs + rulesMs;
  const parseCpu = med((r) => r.parseCpu);
  const analyzeCpu = med((r) => r.analyzeCpu);
  const graphCpu = med((r) => r.graphCpu);
  const stateCpu = med((r) => r.stateCpu);
  const engineCpu = parseCpu + analyzeCpu;

  const rawMs = median(rawTimes.map((time) => time.ms));
  const treeReaderMs = median(treeReaderTimes);
  const rawCpu = median(rawTimes.map((time) => time.cpuMs));
  const rows: Array<[string, number, number | null]> = [
    ['tree-sitter parse only', rawMs, rawCpu],
    ['parse, tree-sitter reader only', treeReaderMs, null],
    ['parse (1 thread)', parseMs, parseCpu],
    ['graph', graphMs, graphCpu],
    ['state replay', stateMs, stateCpu],
    ['rules (+ runner)', rulesMs, Math.max(0, analyzeCpu - graphCpu - stateCpu)],
    ['engine total (1 thread)', engineMs, engineCpu],
  ];
  const where = options.where;
  const line = (name: string, ms: number, cpu: number | null): string =>
    `${name.padEnd(30)} ${fmt(ms).padStart(8)} ${(cpu === null ? '-' : fmt(cpu)).padStart(8)} ${(sources.length / (ms / 1000)).toFixed(0).padStart(9)} ${(mb / (ms / 1000)).toFixed(2).padStart(7)}`;
  console.log(`\nin-process phases — ${where}`);
  const reads = counted.read + counted.gaveUp + counted.defects;
  const reasons = Object.entries(counted.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ×${count}`)
    .join('; ');
  console.log(`literal reader: read ${counted.read} of ${reads} files; the rest went to tree-sitter${reasons ? ` (${reasons})` : ''}`);
  console.log(`${sources.length} files, ${mb.toFixed(2)} MB, ${operations} operations linted, ${findings} findings, ${problems} files with parse problems`);
  console.log(`median of ${options.repeat} run(s) after ${options.warmup} warm-up run(s)${options.gcBetween ? ', full GC before each' : ''}; node ${process.version}; parser init (wasm load, once) ${fmt(initMs)} ms`);
  // Process CPU includes V8's GC helper threads, which the retained MigrationFile objects keep busy; wall shows the main thread.
  console.log(
    `parse (literal reader) = ${(parseMs / rawMs).toFixed(2)}x tree-sitter's own parse; the tree-sitter reader's extraction adds ${fmt(treeReaderMs - rawMs)} ms wall = ${((100 * (treeReaderMs - rawMs)) / rawMs).toFixed(0)}% to it\n`,
  );
  console.log(`${'phase'.padEnd(30)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'files/s'.padStart(9)} ${'MB/s'.padStart(7)}`);
  console.log(`${'-'.repeat(30)} ${'-'.repeat(8)} ${'-'.repeat(8)} ${'-'.repeat(9)} ${'-'.repeat(7)}`);
  for (const [name, ms, cpu] of rows) console.log(line(name, ms, cpu));
  if (pythonRuns.length > 0) {
    const pyParse = median(pythonRuns.map((run) => run.parseMs));
    const pyCpu = median(pythonRuns.map((run) => run.parseCpuMs));
    const pyWall = median(pythonRuns.map((run) => run.wallMs));
    console.log(line(`python ${pythonRuns[0]!.version} ast.parse only`, pyParse, pyCpu));
    console.log(`${'python whole process'.padEnd(30)} ${fmt(pyWall).padStart(8)}`);
    console.log('');
    console.log(`ratio engine total (in process, warm) / python ast.parse: ${(engineMs / pyParse).toFixed(2)}x wall, ${(engineCpu / pyCpu).toFixed(2)}x cpu   (target ≤ 1.0x on 3,000 files)`);
    console.log(`ratio engine total / python whole process: ${(engineMs / pyWall).toFixed(2)}x wall`);
    console.log(`first (cold) run, before V8 has compiled the hot code: engine ${fmt(cold)} ms wall = ${(cold / pyParse).toFixed(2)}x python parse`);
  } else {
    console.log(`\npython comparison skipped: ${pythonError ?? 'no runs'}`);
  }
  console.log(
    `peak RSS of one cold run (parse + analyze, as the CLI does): ${oneRunRssMb.toFixed(0)} MB (kernel maxRSS; ${(rssBefore / (1024 * 1024)).toFixed(0)} MB before parsing)   (target < 300 MB)`,
  );
  console.log(`peak RSS after every round (garbage of ${options.warmup + options.repeat} rounds, collected when V8 chooses): ${engineMaxRssMb.toFixed(0)} MB (${engineSampledMb.toFixed(0)} MB sampled)`);
}
