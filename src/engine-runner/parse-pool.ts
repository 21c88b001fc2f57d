/**
 * Parses many migration sources on worker_threads, returning MigrationFile objects in input
 * order. Lives outside src/engine because the engine stays free of threads and I/O; callers
 * (the CLI, bench:engine, the GitHub edge) use it for large trees.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { initParser, parseMigration } from '../engine/parse/index.js';
import type { MigrationFile } from '../engine/types.js';

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
  /** Fewer jobs than this are parsed on the calling thread (starting workers costs more). Default 48. */
  inlineBelow?: number;
  /** Jobs per message; smaller batches balance better, larger ones cost less overhead. Default 64. */
  batchSize?: number;
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

interface Pending {
  resolve: (files: MigrationFile[]) => void;
  reject: (error: Error) => void;
}

export class ParsePool {
  private readonly size: number;
  private readonly inlineBelow: number;
  private readonly batchSize: number;
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(options: ParsePoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()));
    this.inlineBelow = Math.max(0, options.inlineBelow ?? 48);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
  }

  /** Start the workers now (they load the grammar) instead of on the first large call. */
  async warm(): Promise<void> {
    this.start();
    await Promise.all(this.workers.map((_worker, index) => this.send(index, [])));
  }

  /** Parse every job; results are in input order. Never rejects because of a file's content. */
  async parseAll(jobs: readonly ParseJob[]): Promise<MigrationFile[]> {
    if (this.closed) throw new Error('ParsePool is closed');
    if (jobs.length === 0) return [];
    if (jobs.length < this.inlineBelow) {
      await initParser();
      return jobs.map((job) => parseMigration(job.source, job.appLabel === undefined ? { path: job.path } : { path: job.path, appLabel: job.appLabel }));
    }
    this.start();
    // Interleave batches across workers by size so each gets a similar number of bytes.
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
    await Promise.all(this.workers.map((_worker, index) => runWorker(index)));
    return results.flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    for (const pending of this.pending.values()) pending.reject(new Error('ParsePool closed'));
    this.pending.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private start(): void {
    if (this.workers.length > 0) return;
    for (let index = 0; index < this.size; index++) {
      const worker = createWorker();
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.failAll(error));
      worker.unref();
      this.workers.push(worker);
    }
  }

  private send(index: number, jobs: ParseJob[]): Promise<MigrationFile[]> {
    const worker = this.workers[index] as Worker;
    const id = this.nextId++;
    return new Promise<MigrationFile[]>((resolve, reject) => {
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
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/**
 * Under tsx or vitest this module is TypeScript source, and a worker does not inherit the
 * loader: register tsx's ESM hooks inside the worker before importing the worker module.
 */
function createWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', here));
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const workerModule = new URL('./parse-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerModule)}); });`;
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
