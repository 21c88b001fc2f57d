/**
 * Parses many migration sources on worker_threads, returning MigrationFile objects in input
 * order. Lives outside src/engine because the engine stays free of threads and I/O; callers
 * (the CLI, bench:engine, the GitHub edge) use it for large trees.
 *
 * Workers run a prebuilt JavaScript module (see worker-bundle.ts), so they start in tens of
 * milliseconds instead of compiling TypeScript. Results come back as JSON text, one message per
 * batch (JSON.parse of plain data is faster than a structured clone of the same objects). The
 * calling thread decodes results as they arrive; it can also parse batches itself
 * (`callerParses`), which pays off only with more cores than workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { initParser, parseMigration } from '../engine/parse/index.js';
import type { MigrationFile } from '../engine/types.js';
import type { WorkerSource } from './worker-bundle.js';
import { workerSource } from './worker-bundle.js';

export interface ParseJob {
  source: string;
  path: string;
  appLabel?: string;
}

/** @internal messages between the pool and its workers. */
export interface WorkerRequest {
  id: number;
  jobs: ParseJob[];
}

/** @internal */
export interface WorkerReply {
  id: number;
  json?: string;
  error?: string;
}

export interface ParsePoolOptions {
  /** Worker threads; default min(2, os.availableParallelism()). */
  workers?: number;
  /** Whether the calling thread parses batches as well while it waits. Default false. */
  callerParses?: boolean;
  /** Fewer jobs than this are parsed on the calling thread only (starting workers costs more). Default 48. */
  inlineBelow?: number;
  /** Jobs per message; smaller batches balance better, larger ones cost less overhead. Default 32. */
  batchSize?: number;
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

interface Pending {
  resolve: (files: MigrationFile[]) => void;
  reject: (error: Error) => void;
}

function parseJob(job: ParseJob): MigrationFile {
  return parseMigration(job.source, job.appLabel === undefined ? { path: job.path } : { path: job.path, appLabel: job.appLabel });
}

/** Let queued worker replies run between the caller's own batches. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolveYield) => setImmediate(resolveYield));
}

export class ParsePool {
  private readonly size: number;
  private readonly callerParses: boolean;
  private readonly inlineBelow: number;
  private readonly batchSize: number;
  private workers: Worker[] = [];
  private starting: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Set when a worker died: later calls fail at once with this instead of waiting for it forever. */
  private broken: Error | null = null;

  constructor(options: ParsePoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()));
    this.callerParses = options.callerParses ?? false;
    this.inlineBelow = Math.max(0, options.inlineBelow ?? 48);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
  }

  /** Start the workers now (they load the grammar) instead of on the first large call. */
  async warm(): Promise<void> {
    await this.start();
    await Promise.all([initParser(), ...this.workers.map((_worker, index) => this.send(index, []))]);
  }

  /** Parse every job; results are in input order. Never rejects because of a file's content. */
  async parseAll(jobs: readonly ParseJob[]): Promise<MigrationFile[]> {
    if (this.closed) throw new Error('ParsePool is closed');
    if (jobs.length === 0) return [];
    if (jobs.length < this.inlineBelow) {
      await initParser();
      return jobs.map(parseJob);
    }
    await Promise.all([this.start(), this.callerParses ? initParser() : undefined]);
    const batches: ParseJob[][] = [];
    for (let start = 0; start < jobs.length; start += this.batchSize) batches.push(jobs.slice(start, start + this.batchSize));
    const results: MigrationFile[][] = new Array(batches.length);
    let next = 0;
    const runWorker = async (index: number): Promise<void> => {
      while (next < batches.length) {
        const batch = next++;
        results[batch] = await this.send(index, batches[batch] as ParseJob[]);
      }
    };
    const runCaller = async (): Promise<void> => {
      // Workers take the first batches; the caller starts after handing them out.
      await yieldToEvents();
      while (next < batches.length) {
        const batch = next++;
        results[batch] = (batches[batch] as ParseJob[]).map(parseJob);
        await yieldToEvents();
      }
    };
    // Two batches in flight per worker: the next one is queued while the caller is busy with its own.
    const lanes = this.workers.flatMap((_worker, index) => [runWorker(index), runWorker(index)]);
    await Promise.all([...lanes, this.callerParses ? runCaller() : undefined]);
    return results.flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const workers = this.workers;
    this.workers = [];
    for (const pending of this.pending.values()) pending.reject(new Error('ParsePool closed'));
    this.pending.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const source = await workerSource();
      if (this.closed) return;
      for (let index = 0; index < this.size; index++) {
        const worker = createWorker(source);
        worker.on('message', (reply: WorkerReply) => this.settle(reply));
        worker.on('error', (error) => this.failAll(error));
        worker.on('exit', (code) => {
          if (!this.closed) this.failAll(new Error(`parse worker ${index} stopped unexpectedly (exit code ${code}); create a new ParsePool`));
        });
        worker.unref();
        this.workers.push(worker);
      }
    })();
    return this.starting;
  }

  private send(index: number, jobs: ParseJob[]): Promise<MigrationFile[]> {
    const worker = this.workers[index] as Worker;
    const id = this.nextId++;
    return new Promise<MigrationFile[]>((resolve, reject) => {
      if (this.broken) {
        reject(this.broken);
        return;
      }
      this.pending.set(id, { resolve, reject });
      const request: WorkerRequest = { id, jobs };
      worker.ref();
      worker.postMessage(request);
    }).finally(() => {
      if (this.pending.size === 0) for (const each of this.workers) each.unref();
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined || reply.json === undefined) pending.reject(new Error(`parse worker failed: ${reply.error ?? 'no result'}`));
    else pending.resolve(JSON.parse(reply.json) as MigrationFile[]);
  }

  private failAll(error: Error): void {
    this.broken ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

const WORKER_YOUNG_GENERATION_MB = 16;

function createWorker(source: WorkerSource): Worker {
  // A worker's garbage is per batch: a small young generation keeps its memory low at no measurable cost.
  if (source.kind === 'module') return new Worker(source.url, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  // Fallback: TypeScript source without a bundle. A worker does not inherit tsx's loader, so register it first.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.url.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** One-shot helper: parse with a temporary pool and close it. */
export async function parseMany(jobs: readonly ParseJob[], options: ParsePoolOptions = {}): Promise<MigrationFile[]> {
  const pool = new ParsePool(options);
  try {
    return await pool.parseAll(jobs);
  } finally {
    await pool.close();
  }
}
