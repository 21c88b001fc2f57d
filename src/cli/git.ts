/** `--since <ref>`: which files changed relative to a git ref. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ioError, usageError } from './exit.js';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw ioError('git is not installed or not on PATH, so --since cannot work.', 'install git, or run without --since to lint every migration.', error);
    throw failure;
  }
}

function lines(output: string): string[] {
  return output.split('\0').filter((line) => line.length > 0);
}

/**
 * Absolute paths of files added, modified or renamed on this branch since it left `ref`
 * (`ref...HEAD`), plus uncommitted changes and untracked files, so a local run sees work in progress.
 */
export async function changedFilesSince(ref: string, cwd: string): Promise<Set<string>> {
  if (ref.startsWith('-')) throw usageError(`--since needs a git ref, got "${ref}".`, 'e.g. --since origin/main');
  let top: string;
  try {
    top = (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw usageError(`--since needs a git repository, and ${cwd} is not inside one.`, 'run from the repository, or drop --since to lint every migration.');
  }
  try {
    await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw usageError(`git does not know the ref "${ref}".`, 'fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0, or git fetch origin main).');
  }
  const [branch, worktree, untracked] = await Promise.all([
    git(top, ['diff', '--name-only', '-z', '--diff-filter=AMR', `${ref}...HEAD`]),
    git(top, ['diff', '--name-only', '-z', '--diff-filter=AMR', 'HEAD']),
    git(top, ['ls-files', '--others', '--exclude-standard', '--full-name', '-z']),
  ]);
  return new Set([...lines(branch), ...lines(worktree), ...lines(untracked)].map((path) => resolve(top, path)));
}
