/**
 * Repository and pull request references as people paste them: `owner/repo`, `owner/repo#123`,
 * `https://github.com/owner/repo`, `https://github.com/owner/repo/pull/123/files`, Slack's
 * `<https://…|label>` wrapping, and the same URLs on a GitHub Enterprise Server host.
 */
import type { PullRequestRef, RepoRef } from './types.js';

export interface RefParseOptions {
  /** Web hosts besides github.com whose URLs we accept (a GHES host, e.g. `github.acme.corp`). */
  hosts?: readonly string[];
}

// GitHub's own limits: owners are alphanumeric with single inner hyphens (≤ 39), repo names [\w.-] (≤ 100).
const OWNER = '[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}';
const REPO = '[A-Za-z0-9._-]{1,100}';
const SHORT_REPO = new RegExp(`^(${OWNER})/(${REPO})$`);
const SHORT_PR = new RegExp(`^(${OWNER})/(${REPO})#(\\d{1,9})$`);

/** The web host of a GitHub API base URL: `https://ghe.acme.corp/api/v3` → `ghe.acme.corp`; api.github.com → null. */
export function webHostOfApiUrl(apiUrl: string | undefined): string | null {
  if (apiUrl === undefined) return null;
  try {
    const host = new URL(apiUrl).host.toLowerCase();
    return host === 'api.github.com' ? null : host;
  } catch {
    return null;
  }
}

function cleanRepoName(name: string): string | null {
  const trimmed = name.endsWith('.git') ? name.slice(0, -4) : name;
  if (trimmed === '' || trimmed === '.' || trimmed === '..') return null;
  return trimmed;
}

function unwrapSlack(text: string): string {
  const trimmed = text.trim();
  // Slack sends links as <url> or <url|label>.
  const match = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(trimmed);
  return match ? (match[1] as string) : trimmed;
}

/** URL path segments for an accepted host, or null for other hosts and non-URLs. */
function githubPath(text: string, options: RefParseOptions): string[] | null {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const host = url.host.toLowerCase();
  const hosts = new Set(['github.com', 'www.github.com', ...(options.hosts ?? []).map((item) => item.toLowerCase())]);
  if (!hosts.has(host)) return null;
  return url.pathname.split('/').filter((part) => part !== '');
}

function repoFromParts(owner: string | undefined, name: string | undefined): RepoRef | null {
  if (owner === undefined || name === undefined) return null;
  if (!new RegExp(`^${OWNER}$`).test(owner) || !new RegExp(`^${REPO}$`).test(name)) return null;
  const repo = cleanRepoName(name);
  return repo === null ? null : { owner, repo };
}

/** `owner/repo` or a repository URL (any page under it); null when the text is not one. */
export function parseRepoSpec(input: string, options: RefParseOptions = {}): RepoRef | null {
  if (typeof input !== 'string') return null;
  const text = unwrapSlack(input);
  const short = SHORT_REPO.exec(text);
  if (short) return repoFromParts(short[1], short[2]);
  if (!text.includes('.') || !text.includes('/')) return null;
  const parts = githubPath(text, options);
  if (parts === null || parts.length < 2) return null;
  return repoFromParts(parts[0], parts[1]);
}

/** `owner/repo#123` or a pull request URL; null when the text is not one. */
export function parsePullRequestRef(input: string, options: RefParseOptions = {}): PullRequestRef | null {
  if (typeof input !== 'string') return null;
  const text = unwrapSlack(input);
  const short = SHORT_PR.exec(text);
  if (short) {
    const repo = repoFromParts(short[1], short[2]);
    const number = Number(short[3]);
    return repo && number > 0 ? { ...repo, number } : null;
  }
  const parts = githubPath(text, options);
  if (parts === null || parts.length < 4 || parts[2] !== 'pull' || !/^\d{1,9}$/.test(parts[3] as string)) return null;
  const repo = repoFromParts(parts[0], parts[1]);
  const number = Number(parts[3]);
  return repo && number > 0 ? { ...repo, number } : null;
}

/** Every pull request reference in free text (a mention or DM), first occurrence order, no duplicates. */
export function findPullRequestRefs(text: string, options: RefParseOptions = {}): PullRequestRef[] {
  if (typeof text !== 'string') return [];
  const found: PullRequestRef[] = [];
  const seen = new Set<string>();
  const candidates = text.match(/<[^>]+>|https?:\/\/[^\s<>|]+|[A-Za-z0-9][\w.-]*\/[\w.-]+#\d+/g) ?? [];
  for (const candidate of candidates) {
    const cleaned = candidate.startsWith('<') ? candidate : candidate.replace(/[).,;:!?'"]+$/, '');
    const ref = parsePullRequestRef(cleaned, options);
    if (ref === null) continue;
    const key = `${ref.owner}/${ref.repo}#${ref.number}`.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(ref);
  }
  return found;
}

export function formatRepo(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

export function formatPullRequest(ref: PullRequestRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}
