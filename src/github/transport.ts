/**
 * What the readers (repo-reader, pull-request, graphql-blobs) need from the client, apart from the
 * client itself: the plugged Octokit class and the transport `createGitHub` builds around it.
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { AppError } from '../errors.js';
import type { Allowlist } from './allowlist.js';
import type { AuthMode, GitHubCaches, GitHubLogger, GitHubRequestStats, MigrationTree, RepoRef, SkippedFile } from './types.js';

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubOctokit = InstanceType<typeof GitHubOctokit>;

/** What the readers need from the client. */
export interface GitHubTransport {
  readonly authMode: AuthMode;
  readonly maxFileBytes: number;
  readonly blobs: GitHubCaches['blobs'];
  /** Blobs known not to be text (binary, not UTF-8, too large), so they are not downloaded again. */
  readonly skippedBlobs: Map<string, { reason: SkippedFile['reason']; size: number }>;
  /** Migration trees already built, by repository, commit sha, folder and labelling (a few, newest kept). */
  readonly builtTrees: Map<string, MigrationTree>;
  readonly allowlist: Allowlist;
  /** Checks the allowlist (before anything is sent), then returns the Octokit for the repo's identity. */
  octokitFor(ref: RepoRef): Promise<GitHubOctokit>;
  /** Counters, shared with the conditional-request hook. */
  readonly counters: GitHubRequestStats;
  translate(error: unknown, context: { repo?: RepoRef; notFound?: string }): AppError;
  /** The engine's parser (for apps.py labels and dependencies), initialised once. */
  parserReady(): Promise<void>;
  logger: GitHubLogger;
  readonly graphql: GraphQLBlobReads;
}

/** Batched blob reads through GraphQL, and whether they can be used. */
export interface GraphQLBlobReads {
  readonly blobsPerQuery: number;
  readonly bytesPerQuery: number;
  /** True while GraphQL is enabled, the client is authenticated and the server has not refused it. */
  usable(): boolean;
  /** The server has no GraphQL API: warn once and read blobs through REST from now on. */
  markUnavailable(detail: { status: number }): void;
}

