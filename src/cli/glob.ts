/**
 * `exclude` globs. Hand-written because Node 20's path.matchesGlob is experimental and prints a
 * warning on every run. Supports `**`, `*`, `?`; a pattern without `/` matches at any depth, and a
 * pattern matching a folder excludes everything under it.
 */
function globToRegExp(pattern: string): RegExp {
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      body += slash ? '(?:[^/]*/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') body += '[^/]*';
    else if (char === '?') body += '[^/]';
    else body += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const anchored = pattern.includes('/') ? body.replace(/^\//, '') : `(?:[^/]*/)*${body}`;
  return new RegExp(`^${anchored}(?:/.*)?$`);
}

export function compileGlobs(patterns: readonly string[]): (posixPath: string) => boolean {
  const regexes = patterns.map((pattern) => globToRegExp(pattern.replace(/\\/g, '/').replace(/^\.\//, '')));
  return (path) => regexes.some((regex) => regex.test(path));
}
