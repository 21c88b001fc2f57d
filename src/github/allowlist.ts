/**
 * Which repositories the bot may read: GITHUB_ALLOWED_REPOS (owner/repo) and GITHUB_ALLOWED_ORGS
 * (owners), compared case-insensitively like GitHub does. Checked before any request is made.
 */
import { AppError } from '../errors.js';
import type { RepoRef } from './types.js';

export interface Allowlist {
  allows(ref: RepoRef): boolean;
  /** Throws github_repo_not_allowed naming the settings. */
  check(ref: RepoRef): void;
  /** For `status`: what is allowed, as configured. */
  describe(): { repos: string[]; orgs: string[] };
}

export function createAllowlist(settings: { repos: readonly string[]; orgs: readonly string[] }): Allowlist {
  const repos = new Set(settings.repos.map((item) => item.trim().toLowerCase()).filter((item) => item !== ''));
  const orgs = new Set(settings.orgs.map((item) => item.trim().toLowerCase()).filter((item) => item !== ''));
  const allows = (ref: RepoRef): boolean => orgs.has(ref.owner.toLowerCase()) || repos.has(`${ref.owner}/${ref.repo}`.toLowerCase());
  return {
    allows,
    check(ref) {
      if (allows(ref)) return;
      const name = `${ref.owner}/${ref.repo}`;
      const nothing = repos.size === 0 && orgs.size === 0;
      throw new AppError(
        'github_repo_not_allowed',
        nothing
          ? `I don't read any GitHub repositories yet: GITHUB_ALLOWED_REPOS and GITHUB_ALLOWED_ORGS are empty. Ask an admin to add ${name} to one of them.`
          : `${name} is not in GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS, so I won't read it; ask an admin to add it.`,
      );
    },
    describe: () => ({ repos: [...settings.repos], orgs: [...settings.orgs] }),
  };
}
