/** `graph <path…>`: leaves, conflicts, cycles, missing dependencies, stale squashes and the plan. */
import { dirname } from 'node:path';
import { buildGraph } from '../../engine/index.js';
import type { GraphReport } from '../../engine/index.js';
import { loadConfig } from '../config.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';

export interface GraphOptions {
  paths: string[];
  cwd: string;
  config?: string;
}

export interface GraphResult {
  graph: GraphReport;
  files: number;
  /** Conflicts, cycles or missing dependencies: Django would refuse to migrate. */
  broken: boolean;
}

export async function graph(options: GraphOptions): Promise<GraphResult> {
  const { config, path: configPath } = await loadConfig(options.cwd, options.config);
  const sources = discoverMigrations(options.paths, { cwd: options.cwd, exclude: config.exclude ?? [], excludeBase: configPath ? dirname(configPath) : options.cwd });
  if (sources.length === 0) throw usageError(`no migration files found under ${options.paths.join(', ')}.`, 'pass the Django project root, e.g. `migrate-help graph .`.');
  const files = await readMigrations(sources);
  const report = buildGraph(files, config.swappable ? { swappable: config.swappable } : {}).report();
  return { graph: report, files: files.length, broken: report.conflicts.length + report.cycles.length + report.missing.length > 0 };
}
