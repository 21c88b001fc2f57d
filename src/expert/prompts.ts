/** Prompts are text files in `prompts/`, read once at start-up. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { packagePath } from '../package-files.js';

export interface Prompts {
  system: string;
  /** Added to the system prompt for short answers (incident channels). */
  brief: string;
}

/** The repository's `prompts/` folder, wherever the process was started from. */
export const DEFAULT_PROMPTS_DIR = packagePath('prompts');

export function loadPrompts(dir: string = DEFAULT_PROMPTS_DIR): Prompts {
  const read = (name: string): string => {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new AppError('config_invalid', `The prompt file ${path} could not be read; it ships with migrate-help, so reinstall or restore it.`, { cause: error });
    }
    if (!text) throw new AppError('config_invalid', `The prompt file ${path} is empty; restore it from the repository.`);
    return text;
  };
  return { system: read('system.md'), brief: read('brief.md') };
}
