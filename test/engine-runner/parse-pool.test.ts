import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParsePool, parseMany } from '../../src/engine-runner/parse-pool.js';
import type { ParseJob } from '../../src/engine-runner/parse-pool.js';
import { workerSource } from '../../src/engine-runner/worker-bundle.js';
import { initParser, parseMigration } from '../../src/engine/parse/index.js';

const ROOT = fileURLToPath(new URL('../fixtures/migrations/', import.meta.url));

function fixtureJobs(): ParseJob[] {
  const jobs: ParseJob[] = [];
  for (const app of ['shapes', 'broken']) {
    for (const name of readdirSync(`${ROOT}${app}/migrations`).sort()) {
      if (!name.endsWith('.py') || name.startsWith('_')) continue;
      jobs.push({ path: `${app}/migrations/${name}`, source: readFileSync(`${ROOT}${app}/migrations/${name}`, 'utf8') });
    }
  }
  return jobs;
}

describe('ParsePool', () => {
  const pool = new ParsePool({ workers: 2, inlineBelow: 0, batchSize: 3 });
  beforeAll(async () => {
    await initParser();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('parses on worker threads and returns results in input order, equal to the in-thread parse', async () => {
    // Repeat the fixtures so that several batches go to each worker.
    const jobs = [...fixtureJobs(), ...fixtureJobs(), ...fixtureJobs()].map((job, index) => ({ ...job, path: `${index}/${job.path}`, appLabel: index % 2 === 0 ? undefined : 'labelled' }));
    const files = await pool.parseAll(jobs);
    expect(files.map((file) => file.path)).toEqual(jobs.map((job) => job.path));
    const expected = jobs.map((job) => parseMigration(job.source, job.appLabel === undefined ? { path: job.path } : { path: job.path, appLabel: job.appLabel }));
    expect(files).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(files[1]?.app).toBe('labelled');
  });

  it('handles an empty list and broken sources without rejecting', async () => {
    expect(await pool.parseAll([])).toEqual([]);
    const [broken] = await pool.parseAll([{ path: 'x/migrations/0001_bad.py', source: '\u0000class Migration((' }]);
    expect(broken?.problems.length).toBeGreaterThan(0);
  });

  it('parses small lists in the calling thread with the same result', async () => {
    const jobs = fixtureJobs().slice(0, 2);
    expect(await parseMany(jobs, { inlineBelow: 10 })).toEqual(jobs.map((job) => parseMigration(job.source, { path: job.path })));
  });

  it('also parses on the calling thread when asked, with the same results in order', async () => {
    const jobs = [...fixtureJobs(), ...fixtureJobs()].map((job, index) => ({ ...job, path: `${index}/${job.path}` }));
    const files = await parseMany(jobs, { workers: 1, callerParses: true, inlineBelow: 0, batchSize: 2 });
    expect(files).toEqual(JSON.parse(JSON.stringify(jobs.map((job) => parseMigration(job.source, { path: job.path })))));
  });

  it('runs workers from a prebuilt JavaScript bundle, not through tsx', async () => {
    const source = await workerSource();
    expect(source.kind).toBe('module');
    expect(source.url.pathname).toMatch(/\.(?:m?js)$/);
    expect(existsSync(source.url)).toBe(true);
  });

  it('fails at once, with a clear error, after a worker died (instead of waiting forever)', async () => {
    const crashed = new ParsePool({ workers: 1, inlineBelow: 0 });
    try {
      await crashed.warm();
      // Simulate a crash: the worker thread goes away while the pool is still open.
      const worker = (crashed as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers[0];
      await worker?.terminate();
      await expect(crashed.parseAll(fixtureJobs())).rejects.toThrow(/stopped unexpectedly/);
    } finally {
      await crashed.close();
    }
  });

  it('refuses work after close', async () => {
    const closed = new ParsePool({ workers: 1 });
    await closed.close();
    await expect(closed.parseAll(fixtureJobs())).rejects.toThrow(/closed/);
  });
});
