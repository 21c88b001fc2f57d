/** Migration identity from a file path. */

export function toPosixPath(path: string): string {
  return path.replace(/\\/g, '/');
}

/** File name without directory and `.py`: `shop/migrations/0002_x.py` → `0002_x`. */
export function migrationNameFromPath(path: string): string {
  const posix = toPosixPath(path);
  const base = posix.slice(posix.lastIndexOf('/') + 1);
  return base.replace(/\.py$/i, '');
}

/**
 * The app label Django would derive: the folder above the innermost `migrations/` package
 * (`src/shop/migrations/0001.py` → `shop`; `shop/migrations/legacy/migrations/0001.py` → `legacy`).
 * Without a `migrations` folder, the parent folder's name; `''` when the path has no folder.
 */
export function appLabelFromPath(path: string): string {
  const parts = toPosixPath(path).split('/').filter((part) => part !== '' && part !== '.');
  const dirs = parts.slice(0, -1);
  for (let index = dirs.length - 1; index > 0; index--) {
    if (dirs[index] === 'migrations') return dirs[index - 1] as string;
  }
  const parent = dirs[dirs.length - 1];
  return parent === undefined || parent === 'migrations' ? '' : parent;
}
