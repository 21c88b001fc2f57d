/**
 * A parse worker (see parse-pool.ts): takes the next file index from the shared counter, reads and
 * parses that file, and posts the results back in batches so that its own heap stays small.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initParser } from '../engine/parse/index.js';
import type { ParseBatch, ParseJob } from './parse-pool.js';
import { readAndParse } from './read-migration.js';

const BATCH = 32;

async function run(job: ParseJob): Promise<void> {
  await initParser();
  const next = new Int32Array(job.counter);
  let batch: ParseBatch = { indexes: [], outcomes: [] };
  for (let index = Atomics.add(next, 0, 1); index < job.sources.length; index = Atomics.add(next, 0, 1)) {
    batch.indexes.push(index);
    batch.outcomes.push(readAndParse(job.sources[index]!));
    if (batch.indexes.length === BATCH) {
      parentPort!.postMessage(batch);
      batch = { indexes: [], outcomes: [] };
    }
  }
  parentPort!.postMessage({ ...batch, done: true } satisfies ParseBatch);
}

await run(workerData as ParseJob);
