/**
 * The migration trees bench:engine measures: the files under a folder (as Django finds them) and
 * `--synthetic N`, an N-file tree built by replicating a real one under renamed apps.
 */
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

/** Every `.py` file inside a `migrations` folder (Django skips names starting with `_`, `.` or `~`). */
export async function findMigrationFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        await walk(path);
      } else if (entry.isFile() && entry.name.endsWith('.py') && !/^[_.~]/.test(entry.name) && current.split(sep).pop() === 'migrations') {
        found.push(path);
      }
    }
  };
  await walk(dir);
  return found.sort();
}

export interface Source {
  absolute: string;
  path: string;
  text: string;
  bytes: number;
}

export async function readSources(dir: string, paths: readonly string[]): Promise<Source[]> {
  return Promise.all(
    paths.map(async (absolute) => {
      const text = await readFile(absolute, 'utf8');
      return { absolute, path: relative(dir, absolute).split(sep).join('/'), text, bytes: Buffer.byteLength(text) };
    }),
  );
}

/** The app label as the parser derives it: the folder above `migrations/`. */
function appOf(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 3] ?? 'app';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replicate the tree until it has `count` files. Copy k renames every first-party app `x` to
 * `x_ck` in its path, in dependency tuples (`("x", "0002…")`, `apps.get_model("x", …)`) and in
 * relation targets (`"x.Model"`), so every copy is a valid, independent project.
 */
export async function buildSynthetic(sources: readonly Source[], count: number): Promise<{ dir: string; paths: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'migrate-help-bench-'));
  const apps = [...new Set(sources.map((source) => appOf(source.path)))];
  const patterns = apps.map((app) => ({
    app,
    tuple: new RegExp(`(["'])${escapeRegExp(app)}\\1(\\s*,\\s*["'])`, 'g'),
    dotted: new RegExp(`(["'])${escapeRegExp(app)}\\.(?=[A-Za-z_])`, 'g'),
  }));
  const paths: string[] = [];
  for (let copy = 0; paths.length < count; copy++) {
    for (const source of sources) {
      if (paths.length >= count) break;
      let text = source.text;
      let path = source.path;
      if (copy > 0) {
        for (const { app, tuple, dotted } of patterns) {
          text = text.replace(tuple, `$1${app}_c${copy}$1$2`).replace(dotted, `$1${app}_c${copy}.`);
        }
        const parts = path.split('/');
        parts[parts.length - 3] = `${appOf(path)}_c${copy}`;
        path = parts.join('/');
      }
      const target = join(dir, `copy${copy}`, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text);
      paths.push(target);
    }
  }
  return { dir, paths };
}
