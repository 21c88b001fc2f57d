/** The baseline file on disk: JSON, versioned, sorted, one entry per key (docs/baseline.md). */
import { readFileSync, writeFileSync } from 'node:fs';
import { BASELINE_VERSION } from '../engine/baseline.js';
import type { Baseline } from '../engine/baseline.js';
import { configError, ioError } from './exit.js';

/** zod is imported when a baseline is read: most runs have none, and it is a large part of a cold start. */
async function baselineSchema() {
  const { z } = await import('zod');
  const entrySchema = z.strictObject({
    app: z.string().min(1),
    migration: z.string().min(1),
    operation: z.string().regex(/^\d+(\/\w+\/\d+)*$/, 'use an operation index such as "3" or "1/database_operations/0"').nullable(),
    rule: z.string().min(1),
    count: z.number().int().positive(),
  });

  const fileSchema = z.object({
    version: z.literal(BASELINE_VERSION, { message: `this migrate-help reads baseline version ${BASELINE_VERSION}` }),
    entries: z.array(entrySchema),
  });
  return fileSchema;
}

export async function readBaseline(path: string, shown: string): Promise<Baseline> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? `create it first with \`migrate-help check <paths> --write-baseline ${shown}\`.` : 'check the path and its permissions.';
    throw ioError(`cannot read baseline file ${shown} (${code ?? (error as Error).message}).`, hint, error);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw configError(`baseline file ${shown} is not valid JSON (${(error as Error).message}).`, `write it again with --write-baseline ${shown}.`);
  }
  const parsed = (await baselineSchema()).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw configError(`baseline file ${shown} is invalid: ${problems.slice(0, 5).join('; ')}.`, `write it again with --write-baseline ${shown} (see docs/baseline.md).`);
  }
  return { version: BASELINE_VERSION, entries: parsed.data.entries };
}

/** Stable text: keys in a fixed order, entries already sorted, no timestamps (so diffs show real changes). */
export function baselineText(baseline: Baseline, toolVersion: string): string {
  const doc = {
    version: baseline.version,
    tool: `migrate-help ${toolVersion}`,
    about: 'Findings accepted when this file was written; `migrate-help check --baseline <this file>` reports only new ones. See docs/baseline.md.',
    entries: baseline.entries.map((entry) => ({ app: entry.app, migration: entry.migration, operation: entry.operation, rule: entry.rule, count: entry.count })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function writeBaseline(path: string, shown: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw ioError(`cannot write baseline file ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check that the folder exists and is writable.', error);
  }
}
