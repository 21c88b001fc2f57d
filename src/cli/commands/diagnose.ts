/** `diagnose`: recognise pasted errors and management command output. */
import { buildGraph, compareWithGraph, diagnose as runPlaybooks, parseShowMigrations } from '../../engine/index.js';
import type { Diagnosis, GraphComparison, ShowMigrations } from '../../engine/index.js';
import { loadConfig } from '../config.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';

/** Pastes larger than this are refused: a log this big should be cut to the failing part. */
export const MAX_PASTE_BYTES = 5 * 1024 * 1024;

export interface DiagnoseOptions {
  text: string;
  cwd: string;
  /** A project to compare `showmigrations` output with. */
  project?: string;
  config?: string;
}

export interface DiagnoseResult {
  diagnoses: Diagnosis[];
  showmigrations: ShowMigrations | null;
  comparison?: GraphComparison;
  /** True when anything was recognised. */
  recognised: boolean;
}

export async function diagnose(options: DiagnoseOptions): Promise<DiagnoseResult> {
  if (options.text.trim().length === 0) throw usageError('nothing to diagnose: the input is empty.', 'paste the traceback or showmigrations output on stdin, e.g. `pbpaste | migrate-help diagnose`, or pass --file.');
  if (Buffer.byteLength(options.text) > MAX_PASTE_BYTES) throw usageError('the input is larger than 5 MB.', 'cut it down to the traceback (or the showmigrations output) and try again.');
  const diagnoses = runPlaybooks(options.text);
  const showmigrations = parseShowMigrations(options.text);
  let comparison: GraphComparison | undefined;
  if (showmigrations && options.project) {
    const { config } = await loadConfig(options.cwd, options.config);
    const sources = discoverMigrations([options.project], { cwd: options.cwd, exclude: config.exclude ?? [] });
    const files = await readMigrations(sources);
    const applied = Object.entries(showmigrations.apps).flatMap(([app, entries]) => entries.filter((e) => e.applied).map((e) => `${app}.${e.name}`));
    const report = buildGraph(files, { ...(config.swappable ? { swappable: config.swappable } : {}), applied }).report();
    comparison = compareWithGraph(showmigrations, report, { files, ...(config.swappable ? { swappable: config.swappable } : {}) });
  }
  return { diagnoses, showmigrations, ...(comparison ? { comparison } : {}), recognised: diagnoses.length > 0 || showmigrations !== null };
}
