/**
 * `exclude` globs, matched by picomatch. A pattern without `/` matches a file or folder name at any
 * depth, and a pattern matching a folder excludes everything under it.
 */
import picomatch from 'picomatch';

export function compileGlobs(patterns: readonly string[]): (posixPath: string) => boolean {
  const matchers = patterns.map((raw) => {
    const pattern = raw.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\//, '').replace(/\/$/, '');
    return picomatch(pattern.includes('/') ? pattern : `**/${pattern}`, { dot: true });
  });
  return (path) => {
    const parts = path.split('/');
    // The path itself or any folder above it.
    for (let end = parts.length; end > 0; end--) {
      const prefix = parts.slice(0, end).join('/');
      if (matchers.some((match) => match(prefix))) return true;
    }
    return false;
  };
}
