/**
 * Conditional requests for Octokit GETs. GitHub does not count a 304 Not Modified against the rate
 * limit, so we remember each GET's ETag and body and send `If-None-Match`; on 304 the remembered body
 * is the answer. Octokit has no built-in response cache, and a `hook.wrap('request')` is the plugin
 * point its docs give for this, so this is that hook (registered last, it runs outside the throttling
 * and retry plugins and sees their final result).
 *
 * Per request, `request: { cache }` selects the behaviour:
 *   - `revalidate` (default for GET): ETag round trip, 304 → cached body.
 *   - `immutable`: answers addressed by sha (trees, commits by sha) never change: a cached body is
 *     returned with no request at all.
 *   - `none`: plain request (blobs, which have their own cache by sha).
 */
import type { Octokit } from '@octokit/rest';
import type { ConditionalCache, GitHubRequestStats } from './types.js';

export type CacheMode = 'revalidate' | 'immutable' | 'none';

/** What we keep per request: the body, and the Link header (pagination needs it; a 304 may not repeat it). */
interface StoredResponse {
  data: unknown;
  link?: string;
}

type HookableOctokit = Pick<Octokit, 'hook' | 'request'>;

function decodeData(data: unknown): unknown {
  // Non-JSON media types (e.g. `application/vnd.github.sha`) can arrive as bytes.
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data;
}

function readStored(cache: ConditionalCache, key: string): { etag: string; stored: StoredResponse } | undefined {
  const entry = cache.get(key);
  if (entry === undefined) return undefined;
  try {
    return { etag: entry.etag, stored: JSON.parse(entry.body) as StoredResponse };
  } catch {
    return undefined; // A damaged entry is a miss, not an error.
  }
}

export function installConditionalRequests(octokit: HookableOctokit, cache: ConditionalCache, counters: GitHubRequestStats): void {
  octokit.hook.wrap('request', async (request, options) => {
    const mode = ((options.request as { cache?: CacheMode } | undefined)?.cache ?? 'revalidate') as CacheMode;
    if (String(options.method).toUpperCase() !== 'GET' || mode === 'none') return request(options);
    const endpoint = octokit.request.endpoint(options);
    const key = `GET ${endpoint.url} ${String(endpoint.headers.accept ?? '')}`;
    const cached = readStored(cache, key);
    const fromCache = (headers: Record<string, unknown>, stored: StoredResponse) => ({
      status: 200,
      url: endpoint.url,
      headers: { ...headers, ...(stored.link === undefined ? {} : { link: stored.link }) },
      data: stored.data,
    });

    if (cached !== undefined && mode === 'immutable') {
      counters.cacheHits += 1;
      return fromCache({ 'x-migrate-help-cache': 'hit' }, cached.stored);
    }
    // before-after-hook binds every layer to the same options object: headers must be added in place.
    if (cached !== undefined) options.headers['if-none-match'] = cached.etag;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(options);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 304 && cached !== undefined) {
        const responseHeaders = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
        return fromCache({ ...responseHeaders, 'x-migrate-help-cache': 'revalidated' }, cached.stored);
      }
      throw error;
    }
    const etag = response.headers?.etag;
    if (response.status === 200 && (typeof etag === 'string' || mode === 'immutable')) {
      const data = decodeData(response.data);
      const link = response.headers?.link;
      const stored: StoredResponse = { data, ...(typeof link === 'string' ? { link } : {}) };
      cache.set(key, typeof etag === 'string' ? etag : '', JSON.stringify(stored));
      return { ...response, data };
    }
    return { ...response, data: decodeData(response.data) };
  });
}
