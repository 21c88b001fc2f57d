/**
 * Files that ship beside the code (package.json, prompts/). Found by walking up from this module to
 * the folder whose package.json is migrate-help's, because the module sits at a different depth under
 * src/ (tsx, vitest) than in the bundled dist/ that `npm run build` writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'migrate-help';

function findPackageRoot(from: string): { root: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === PACKAGE_NAME) return { root: dir, version: parsed.version ?? '0.0.0' };
    }
    if (dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: cannot find its own package.json above ${from}; reinstall migrate-help.`);
  }
}

const found = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The installed package's folder (the repository root in a checkout). */
export const PACKAGE_ROOT: string = found.root;
export const PACKAGE_VERSION: string = found.version;

/** A path inside the installed package, e.g. packagePath('prompts'). */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}
