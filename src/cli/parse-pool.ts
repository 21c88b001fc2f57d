/**
 * Parsing a tree on more than one thread. A one-shot `check` spends most of its time in code V8 has
 * not optimised yet, so splitting the files between the main thread and workers shortens the run
 * about as much as the idle cores allow; on small trees, or with no idle core, a worker costs more
 * than it saves, and the files are parsed on the main thread. Both sides take the next file from
 * one shared counter, so a slow thread simply takes fewer files. Figures: docs/benchmarks.md.
 *
 * Workers run the built `dist/parse-worker.js`; run from source (tsx, vitest) there is none and
 * every file is parsed on the main thread. MIGRATE_HELP_PARSE_WORKERS=N sets the number of workers
 * (0: main thread only) whatever the tree's size.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MigrationSource } from './sources.js';
import { readAndParse } from './read-migration.js';
import type { ReadOutcome } from './read-migration.js';

/** What a worker is given: the sources, and the counter of the next index to take. */
export interface ParseJob {
  sources: Array<Pick<MigrationSource, 'abs' | 'path' | 'label'>>;
  counter: SharedArrayBuffer;
}

/** What a worker posts: outcomes for the indexes it took; `done` on its last batch. */
export interface ParseBatch {
  indexes: number[];
  outcomes: ReadOutcome[];
  done?: true;
}

/** Below this many files a worker's start-up costs more than its share of the parsing saves. */
export const MIN_FILES_PER_WORKER = 500;
const MAX_WORKERS = 3;

/** The built worker beside the built code: dist/parse-worker.js, seen from dist/ or dist/chunks/. */
function workerScript(): URL | undefined {
  for (const candidate of ['./parse-worker.js', '../parse-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (url.protocol === 'file:' && url.pathname.endsWith('/dist/parse-worker.js') && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

export interface Machine {
  cores: number;
  /** One-minute load average: cores already busy with other work. */
  load: number;
}

const thisMachine = (): Machine => ({ cores: availableParallelism(), load: loadavg()[0] ?? 0 });

/**
 * How many workers to start for `fileCount` files: one per core that is idle, as a worker only
 * shortens the run when it gets a core of its own (on a busy machine it makes the run longer).
 */
export function workerCount(fileCount: number, env: Readonly<Record<string, string | undefined>> = process.env, machine: Machine = thisMachine()): number {
  const forced = env.MIGRATE_HELP_PARSE_WORKERS?.trim();
  if (forced !== undefined && forced !== '' && /^\d+$/.test(forced)) return Math.min(Number(forced), MAX_WORKERS);
  const idleCores = Math.round(machine.cores - machine.load);
  return Math.max(0, Math.min(machine.cores - 1, idleCores - 1, MAX_WORKERS, Math.floor(fileCount / MIN_FILES_PER_WORKER)));
}

/** Listens to one worker until its last batch; resolves false if it died first (its files are then read here). */
function collect(worker: Worker, outcomes: Array<ReadOutcome | undefined>): Promise<boolean> {
  return new Promise((resolve) => {
    worker.on('message', (batch: ParseBatch) => {
      for (let i = 0; i < batch.indexes.length; i++) outcomes[batch.indexes[i]!] = batch.outcomes[i];
      if (batch.done) resolve(true);
    });
    worker.on('error', () => resolve(false));
    worker.on('exit', () => resolve(false));
  });
}

export interface ParseAllOptions {
  /** Worker threads besides this one; by default from the tree's size (workerCount). */
  workers?: number;
  /** The worker module; by default the built dist/parse-worker.js, if there is one. */
  script?: URL;
}

export interface ParsedTree {
  /** One per source, in their order. */
  outcomes: ReadOutcome[];
  /** How many of them workers parsed. */
  byWorkers: number;
}

/**
 * Read and parse every source on this thread and `workers` others. Parsing needs `initParser()` to
 * have run here. A worker that fails is not an error: what it did not return is parsed here, so
 * the result never depends on the workers.
 */
export async function readAndParseAll(sources: readonly MigrationSource[], options: ParseAllOptions = {}): Promise<ParsedTree> {
  const workers = options.workers ?? workerCount(sources.length);
  const script = workers > 0 ? (options.script ?? workerScript()) : undefined;
  const outcomes: Array<ReadOutcome | undefined> = new Array(sources.length);
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const job: ParseJob = { sources: sources.map(({ abs, path, label }) => ({ abs, path, ...(label === undefined ? {} : { label }) })), counter };
  const started = script ? Array.from({ length: workers }, () => new Worker(script, { workerData: job })) : [];
  const finished = started.map((worker) => collect(worker, outcomes));
  let here = 0;
  for (let index = Atomics.add(next, 0, 1); index < sources.length; index = Atomics.add(next, 0, 1), here++) outcomes[index] = readAndParse(sources[index]!);
  await Promise.all(finished);
  await Promise.all(started.map((worker) => worker.terminate()));
  const byWorkers = outcomes.filter((outcome) => outcome !== undefined).length - here;
  return { outcomes: outcomes.map((outcome, index) => outcome ?? readAndParse(sources[index]!)), byWorkers };
}
