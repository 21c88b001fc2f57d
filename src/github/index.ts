/**
 * The GitHub edge's public API. main.ts builds one client with `createGitHub` (passing the store's
 * blob and conditional caches); commands, model tools and PR review use its methods.
 */
export { createGitHub, DEFAULT_MAX_FILE_BYTES } from './client.js';
export type { CreateGitHubOptions, GitHub, GitHubGraphQLOptions, GitHubLimits } from './client.js';
export { GitHubOctokit } from './transport.js';
export { createAllowlist } from './allowlist.js';
export type { Allowlist } from './allowlist.js';
export { createLayeredBlobCache, createMemoryBlobCache, createMemoryCaches, createMemoryConditionalCache } from './caches.js';
export { formatUtcTime, rateLimitResetOf, translateGitHubError } from './errors.js';
export { isMigrationPath } from './paths.js';
export { pickMigrationFiles } from './pull-request.js';
export { findPullRequestRefs, formatPullRequest, formatRepo, parsePullRequestRef, parseRepoSpec, webHostOfApiUrl } from './refs.js';
export type { RefParseOptions } from './refs.js';
export type { ReadFileResult } from './repo-reader.js';
export type * from './types.js';
