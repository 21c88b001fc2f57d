/** Worker thread body for parse-pool.ts: parses batches of sources and posts the results back. */
import { parentPort } from 'node:worker_threads';
import { initParser, parseMigration } from '../engine/parse/index.js';
import type { MigrationFile } from '../engine/types.js';
import type { ParseJob, WorkerReply, WorkerRequest } from './parse-pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.ts must run as a worker thread');

const ready = initParser();

port.on('message', (request: WorkerRequest) => {
  ready.then(
    () => {
      const files: MigrationFile[] = request.jobs.map((job: ParseJob) => parseMigration(job.source, job.appLabel === undefined ? { path: job.path } : { path: job.path, appLabel: job.appLabel }));
      // JSON text crosses the thread boundary faster than a structured clone of many small objects.
      const reply: WorkerReply = { id: request.id, json: JSON.stringify(files) };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const reply: WorkerReply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
      port.postMessage(reply);
    },
  );
});
