/** The config file: `.migrate-help.json` or `migrate-help.config.json`, found upward from the cwd. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import type { configSchema } from './config-schema.js';
import { configError } from './exit.js';

export const CONFIG_NAMES = ['.migrate-help.json', 'migrate-help.config.json'] as const;

export type Config = z.infer<typeof configSchema>;

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read; undefined when none was found. */
  path?: string;
}

/** The nearest config file at or above `cwd`. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `--config <file>` when given, else the nearest config file, else an empty config. */
export async function loadConfig(cwd: string, explicit?: string): Promise<LoadedConfig> {
  const path = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!path) return { config: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read config file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, explicit ? 'check the path given to --config.' : 'fix the file permissions or remove the file.');
  }
  const shown = relative(cwd, path) || path;
  const { parseConfig } = await import('./config-schema.js');
  return { config: parseConfig(text, shown.startsWith('..') && shown.split('/').length > 4 ? path : shown), path };
}
