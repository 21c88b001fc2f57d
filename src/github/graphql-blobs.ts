/**
 * Many blob texts in one request: GitHub's GraphQL API answers aliased `object(oid: …)` selections
 * of a repository in a single query (`b0: object(oid: "…") { ... on Blob { text … } }`), so reading
 * the history of an app costs one query per batch instead of one REST call per file. The query goes
 * through the same Octokit (`octokit.graphql`), so auth, throttling, retries and request counting
 * are the REST path's.
 *
 * Per blob the answer is text, a reason to skip it, "not found", or "ask REST" (text truncated by
 * GitHub, or an error about that one object). Whole-query failures: rate limit, auth and repository
 * not found become the AppErrors REST would give; a server without GraphQL (404) turns GraphQL off for
 * the client and every blob is handed back for REST.
 */
import { AppError } from '../errors.js';
import type { GitHubOctokit, GitHubTransport } from './transport.js';
import { graphqlErrorsOf, isHttpError } from './errors.js';
import type { RepoRef, SkippedFile } from './types.js';

/** A blob to read: its sha and, when the tree gave it, its size. */
export interface BlobWanted {
  sha: string;
  size?: number;
}

export type BlobOutcome =
  | { kind: 'text'; text: string; size: number }
  | { kind: 'skip'; reason: Exclude<SkippedFile['reason'], 'unreadable'>; size: number }
  | { kind: 'missing' }
  /** Read this one through REST (GraphQL truncated it, or failed for this object only). */
  | { kind: 'rest' };

interface BlobNode {
  oid?: string;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
  text?: string | null;
}

type BlobQueryData = { repository: Record<string, BlobNode | null> | null } | null | undefined;

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;
const BLOB_FIELDS = 'oid byteSize isBinary isTruncated text';

/** Split `required` into queries by count and known bytes; `extras` only fill room left in the last one. */
function planBatches(required: readonly BlobWanted[], extras: readonly BlobWanted[], limits: { blobsPerQuery: number; bytesPerQuery: number }): BlobWanted[][] {
  const batches: BlobWanted[][] = [];
  let current: BlobWanted[] = [];
  let bytes = 0;
  for (const blob of required) {
    const size = blob.size ?? 0;
    if (current.length > 0 && (current.length >= limits.blobsPerQuery || bytes + size > limits.bytesPerQuery)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += size;
  }
  if (current.length === 0) return batches;
  // Extras (e.g. apps.py files that may be needed for labels) ride along only where they cost no query.
  for (const blob of extras) {
    const size = blob.size ?? 0;
    if (current.length >= limits.blobsPerQuery || bytes + size > limits.bytesPerQuery) continue;
    current.push(blob);
    bytes += size;
  }
  batches.push(current);
  return batches;
}

function blobQuery(shas: readonly string[]): string {
  const selections = shas.map((sha, index) => `    b${index}: object(oid: "${sha}") { ... on Blob { ${BLOB_FIELDS} } }`);
  return `query ReadBlobs($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${selections.join('\n')}\n  }\n}`;
}

/** What one blob node of the answer means for us. */
function outcomeOf(node: BlobNode | null | undefined, maxBytes: number): BlobOutcome {
  if (node === null || node === undefined || typeof node.byteSize !== 'number') return { kind: 'missing' };
  const size = node.byteSize;
  if (size > maxBytes) return { kind: 'skip', reason: 'too-large', size };
  if (node.isBinary === true) return { kind: 'skip', reason: 'binary', size };
  if (node.isTruncated === true) return { kind: 'rest' };
  const text = node.text;
  if (typeof text !== 'string') return { kind: 'skip', reason: 'binary', size };
  if (text.includes('\u0000')) return { kind: 'skip', reason: 'binary', size };
  if (Buffer.byteLength(text) !== size) {
    // Bytes that are not UTF-8 can only come back as U+FFFD; any other mismatch: let REST decide on the exact bytes.
    return text.includes('\uFFFD') ? { kind: 'skip', reason: 'not-utf8', size } : { kind: 'rest' };
  }
  return { kind: 'text', text, size };
}

/** Answers for one query: by alias index; null when GraphQL is not available on this server. */
async function runQuery(t: GitHubTransport, octokit: GitHubOctokit, ref: RepoRef, batch: readonly BlobWanted[], maxBytes: number): Promise<BlobOutcome[] | null> {
  let data: BlobQueryData;
  const objectErrors = new Map<number, string | undefined>();
  try {
    data = await octokit.graphql<BlobQueryData>(blobQuery(batch.map((blob) => blob.sha)), { owner: ref.owner, name: ref.repo });
  } catch (error) {
    if (isHttpError(error) && (error.status === 404 || error.status === 410)) {
      t.graphql.markUnavailable({ status: error.status });
      return null;
    }
    const errors = graphqlErrorsOf(error);
    const partial = (error as { data?: BlobQueryData }).data;
    // Errors about single objects come with the rest of the data: keep it. Anything else fails the read.
    const perObject = errors.length > 0 && errors.every((item) => item.type !== 'RATE_LIMITED' && item.path?.[0] === 'repository' && typeof item.path[1] === 'string');
    if (!perObject || partial?.repository === null || partial?.repository === undefined) throw t.translate(error, { repo: ref });
    data = partial;
    for (const item of errors) objectErrors.set(Number(String(item.path![1]).slice(1)), item.type);
  }
  const repository = data?.repository;
  // GitHub names a missing repository in `errors` (handled above); an answer without one is not GitHub's shape.
  if (repository === null || repository === undefined) throw new AppError('github_unavailable', `GitHub gave an unexpected answer while reading files of ${ref.owner}/${ref.repo}; try again in a minute.`);
  return batch.map((_blob, index) => {
    if (objectErrors.has(index)) return objectErrors.get(index) === 'NOT_FOUND' ? { kind: 'missing' } : { kind: 'rest' };
    return outcomeOf(repository[`b${index}`], maxBytes);
  });
}

/** Keep what a read found: text in the blob cache, a reason to skip in the skipped set (both by sha, forever). */
export function rememberOutcome(t: GitHubTransport, sha: string, outcome: BlobOutcome): void {
  if (outcome.kind === 'text') t.blobs.set(sha, outcome.text);
  else if (outcome.kind === 'skip') t.skippedBlobs.set(sha, { reason: outcome.reason, size: outcome.size });
}

/**
 * Read `required` (and `extras` where they fit without another query) through GraphQL. Returns an
 * outcome per sha, or null when this server has no GraphQL API (the caller reads through REST).
 * Queries go one after another (the throttling plugin would queue them anyway): a failure stops the
 * rest, and what earlier queries found is already cached.
 */
export async function readBlobsByGraphQL(
  t: GitHubTransport,
  octokit: GitHubOctokit,
  ref: RepoRef,
  required: readonly BlobWanted[],
  extras: readonly BlobWanted[],
  maxBytes: number,
): Promise<Map<string, BlobOutcome> | null> {
  const outcomes = new Map<string, BlobOutcome>();
  // A sha that is not a git object id can only be a mistake: no need to ask.
  for (const blob of [...required, ...extras]) if (!OID.test(blob.sha)) outcomes.set(blob.sha, { kind: 'missing' });
  const valid = (blobs: readonly BlobWanted[]) => blobs.filter((blob) => !outcomes.has(blob.sha));
  for (const batch of planBatches(valid(required), valid(extras), t.graphql)) {
    const answers = await runQuery(t, octokit, ref, batch, maxBytes);
    if (answers === null) return null;
    batch.forEach((blob, index) => {
      const outcome = answers[index]!;
      outcomes.set(blob.sha, outcome);
      rememberOutcome(t, blob.sha, outcome);
    });
  }
  return outcomes;
}
