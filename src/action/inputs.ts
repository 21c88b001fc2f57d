/** What the GitHub Actions runner hands an action: inputs, the event payload and the files it reads back. */
import { readFileSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

/** A problem with how the action was set up (inputs, runner environment): shown as one error line. */
export class ActionSetupError extends Error {
  override name = 'ActionSetupError';
}

export interface ActionInputs {
  database?: string;
  dbVersion?: string;
  failOn: string;
  baseline?: string;
  paths: string[];
  token?: string;
  comment: boolean;
}

/**
 * `INPUT_<NAME>` as the runner sets it for a node action (upper case, spaces to `_`, hyphens kept); the
 * composite action.yml passes `INPUT_DB_VERSION` style, since step `env:` keys are shell names.
 */
export function readInput(env: Env, name: string): string | undefined {
  const key = `INPUT_${name.toUpperCase().replace(/ /g, '_')}`;
  const value = env[key] ?? env[key.replace(/-/g, '_')];
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = readInput(env, name);
  if (value === undefined) return fallback;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new ActionSetupError(`Input "${name}" must be true or false, got "${value}".`);
}

export function readInputs(env: Env): ActionInputs {
  const paths = (readInput(env, 'paths') ?? '.').split(/[\s,]+/).filter((path) => path.length > 0);
  const database = readInput(env, 'database');
  const dbVersion = readInput(env, 'db-version');
  const baseline = readInput(env, 'baseline');
  const token = readInput(env, 'github-token') ?? env['GITHUB_TOKEN'];
  return {
    paths,
    failOn: readInput(env, 'fail-on') ?? 'error',
    comment: readBoolean(env, 'comment', true),
    ...(database ? { database } : {}),
    ...(dbVersion ? { dbVersion } : {}),
    ...(baseline ? { baseline } : {}),
    ...(token ? { token } : {}),
  };
}

export interface PullRequestEvent {
  number: number;
  baseSha: string;
  headSha: string;
  owner: string;
  repo: string;
}

/** The pull request of a `pull_request`/`pull_request_target` event; null for other events (push, manual runs). */
export function readPullRequest(env: Env): PullRequestEvent | null {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) throw new ActionSetupError('GITHUB_EVENT_PATH is not set: this entry point runs inside GitHub Actions.');
  let payload: { pull_request?: { number?: number; base?: { sha?: string }; head?: { sha?: string } }; repository?: { full_name?: string } };
  try {
    payload = JSON.parse(readFileSync(path, 'utf8')) as typeof payload;
  } catch (error) {
    throw new ActionSetupError(`Cannot read the event payload at ${path} (${(error as Error).message}).`, { cause: error });
  }
  const pr = payload.pull_request;
  if (!pr) return null;
  const full = env['GITHUB_REPOSITORY'] ?? payload.repository?.full_name ?? '';
  const [owner, repo] = full.split('/');
  if (!owner || !repo || typeof pr.number !== 'number' || !pr.base?.sha || !pr.head?.sha) {
    throw new ActionSetupError('The pull_request event payload lacks the repository, number, base.sha or head.sha.');
  }
  return { number: pr.number, baseSha: pr.base.sha, headSha: pr.head.sha, owner, repo };
}
