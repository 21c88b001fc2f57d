/**
 * Which paths in a repository are Django migration files, the way Django's loader picks them: modules
 * directly inside a `migrations` package whose names do not start with `_` or `~` (plus `.` for editor
 * and OS files).
 */

/** Folders that hold third-party or generated code, never the project's own migrations. */
const SKIPPED_DIRS = new Set(['node_modules', 'site-packages', '__pycache__']);

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

/** True for a folder we never descend into (hidden folders, virtualenvs, node_modules). */
export function isSkippedDir(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIRS.has(name);
}

export function isMigrationPath(path: string): boolean {
  const parts = segments(path);
  if (parts.length < 2) return false;
  const file = parts[parts.length - 1] as string;
  if (parts[parts.length - 2] !== 'migrations') return false;
  if (!file.endsWith('.py') || /^[_.~]/.test(file)) return false;
  return !parts.slice(0, -1).some(isSkippedDir);
}

/** The app folder of a migration file: `shop/migrations/0001_initial.py` → `shop`; `migrations/0001.py` → `''`. */
export function appPathOf(migrationPath: string): string {
  const parts = segments(migrationPath);
  return parts.slice(0, -2).join('/');
}

/** Django's default label: the app folder's name. */
export function folderLabelOf(appPath: string): string {
  const parts = segments(appPath);
  return parts[parts.length - 1] ?? '';
}

export function migrationNameOf(path: string): string {
  const parts = segments(path);
  return (parts[parts.length - 1] ?? '').replace(/\.py$/, '');
}

export function appsPyPathOf(appPath: string): string {
  return appPath === '' ? 'apps.py' : `${appPath}/apps.py`;
}

/** Is `path` inside `folder` (or the folder itself)? An empty folder means the whole repository. */
export function isUnder(path: string, folder: string | undefined): boolean {
  const prefix = segments(folder ?? '').join('/');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}
