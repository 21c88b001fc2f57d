/**
 * GitHub App webhooks: `pull_request` opened/synchronize/reopened, signature verified with
 * @octokit/webhooks. For a repository that is allowlisted AND linked to a Slack channel, the PR's
 * migrations are linted and a check run is written on its head commit (its summary is the PR comment's
 * text, SQL and locks included); `onReviewed` then tells the linked channels (the Slack heads-up). Everything else is acknowledged and ignored, with a log line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import type { EngineSettings } from '../engine/index.js';
import { renderPrComment } from '../engine/report/pr-comment.js';
import { sqlSections } from '../engine/report/sql.js';
import type { Finding } from '../engine/rules/types.js';
import { createCheckRun } from './check-run.js';
import type { CheckConclusion } from './check-run.js';
import type { GitHub } from './client.js';
import { lintPullRequest } from './pr-lint.js';
import type { GitHubLogger, PullRequestRef } from './types.js';

export const WEBHOOK_PATH = '/github/webhooks';
const ACTIONS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'] as const;

export interface LinkedChannel {
  /** The Slack workspace of the channel. */
  teamId: string;
  channelId: string;
  /** The channel's database and version, which the check is judged against. */
  settings: Partial<EngineSettings>;
}

export interface PullRequestReviewed {
  ref: PullRequestRef;
  title: string;
  url: string;
  headSha: string;
  findings: Finding[];
  conclusion: CheckConclusion;
  checkRunUrl: string;
  channels: Array<{ teamId: string; channelId: string }>;
}

export interface PullRequestWebhookOptions {
  secret: string;
  github: Pick<GitHub, 'allowlist' | 'loadReviewContext' | 'octokitFor'>;
  /** Channels linked to `owner/repo` (compared case-insensitively), in every workspace that hears about it. */
  linkedChannels(repo: string): Promise<LinkedChannel[]>;
  /** After the check run is written (only when the PR touches migrations). */
  onReviewed?(event: PullRequestReviewed): Promise<void>;
  logger: GitHubLogger;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

export type WebhookHandler = (request: { headers: Record<string, string | string[] | undefined>; body: string }) => Promise<WebhookResponse>;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function reviewPullRequest(options: PullRequestWebhookOptions, ref: PullRequestRef, channels: LinkedChannel[], pr: { title: string; url: string; headSha: string }): Promise<void> {
  // One check per commit: judged against the first linked channel's database.
  const lint = await lintPullRequest(options.github, ref, channels[0]?.settings ?? {});
  if (lint === null) {
    options.logger.debug({ module: 'github', repo: `${ref.owner}/${ref.repo}`, pr: ref.number }, 'pull request changes no migrations; no check run');
    return;
  }
  const { findings } = lint;
  const octokit = await options.github.octokitFor(ref);
  const sections = sqlSections(lint.sql);
  const summary = findings.length > 0 ? renderPrComment({ findings, settings: lint.settings, headSha: pr.headSha, ...(sections ? { sections } : {}) }) : 'No risky operations in the migrations this pull request adds or changes.';
  const title = findings.length === 0 ? 'No migration risks' : `${findings.length} migration ${findings.length === 1 ? 'risk' : 'risks'}`;
  const run = await createCheckRun(octokit, ref, { headSha: pr.headSha, findings, title, summary });
  options.logger.info({ module: 'github', repo: `${ref.owner}/${ref.repo}`, pr: ref.number, findings: findings.length, conclusion: run.conclusion }, 'check run written');
  await options.onReviewed?.({ ref, ...pr, findings, conclusion: run.conclusion, checkRunUrl: run.url, channels: channels.map(({ teamId, channelId }) => ({ teamId, channelId })) });
}

export function createWebhookHandler(options: PullRequestWebhookOptions): WebhookHandler {
  const webhooks = new Webhooks({ secret: options.secret });
  webhooks.on([...ACTIONS], async ({ payload }) => {
    const ref: PullRequestRef = { owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.pull_request.number };
    const full = `${ref.owner}/${ref.repo}`;
    if (!options.github.allowlist.allows(ref)) {
      options.logger.info({ module: 'github', repo: full, pr: ref.number }, 'webhook for a repository that is not allowlisted: ignored');
      return;
    }
    const channels = await options.linkedChannels(full);
    if (channels.length === 0) {
      options.logger.info({ module: 'github', repo: full, pr: ref.number }, 'webhook for a repository no Slack channel links: ignored');
      return;
    }
    await reviewPullRequest(options, ref, channels, { title: payload.pull_request.title, url: payload.pull_request.html_url, headSha: payload.pull_request.head.sha });
  });

  return async ({ headers, body }) => {
    const signature = header(headers, 'x-hub-signature-256');
    const name = header(headers, 'x-github-event');
    const id = header(headers, 'x-github-delivery') ?? '';
    if (!signature || !(await webhooks.verify(body, signature))) {
      options.logger.warn({ module: 'github', delivery: id }, 'webhook with a missing or wrong signature: refused');
      return { status: 401, body: JSON.stringify({ error: 'signature does not match GITHUB_WEBHOOK_SECRET' }) };
    }
    if (!name) return { status: 400, body: JSON.stringify({ error: 'missing X-GitHub-Event header' }) };
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return { status: 400, body: JSON.stringify({ error: 'body is not JSON' }) };
    }
    try {
      // Signature already checked above; receive() dispatches to the `on` handlers.
      await webhooks.receive({ id, name, payload } as Parameters<typeof webhooks.receive>[0]);
    } catch (error) {
      options.logger.error({ module: 'github', delivery: id, event: name, err: error }, 'webhook handling failed');
      return { status: 500, body: JSON.stringify({ error: 'handling failed; GitHub can redeliver it' }) };
    }
    return { status: 200, body: JSON.stringify({ ok: true }) };
  };
}

/** The handler as an HTTP route (Bolt's HTTPReceiver customRoutes take this shape). */
export function webhookRoute(handler: WebhookHandler): { path: string; method: string[]; handler(req: IncomingMessage, res: ServerResponse): void } {
  return {
    path: WEBHOOK_PATH,
    method: ['POST'],
    handler: (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void handler({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }).then((response) => {
          res.writeHead(response.status, { 'content-type': 'application/json' });
          res.end(response.body);
        });
      });
    },
  };
}
