/**
 * App Home: the workspace's linked channels (repository, database and version), recent questions
 * and how to ask, with buttons that open the settings modals. Modal input is checked by the same
 * code as `/migrate-help link` and `db` (allowlist, GitHub, database and version parsing); a
 * refusal comes back as `response_action: 'errors'` on the field at fault.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { asAppError } from '../../errors.js';
import type { SlackDeps } from '../deps.js';
import { slackErrorCode } from '../errors.js';
import { notAdminText } from '../render/channel.js';
import { databaseModal, FIELDS, homeView, linkCheckingView, linkDoneView, linkRepoModal, type LinkFormValues } from '../render/home.js';

const RECENT_ON_HOME = 8;

export async function publishHome(client: WebClient, deps: SlackDeps, teamId: string, userId: string): Promise<void> {
  const [channels, questions] = await Promise.all([deps.channels?.list(teamId) ?? Promise.resolve([]), deps.store.questions.recent(teamId, RECENT_ON_HOME)]);
  await client.views.publish({
    user_id: userId,
    view: homeView({ channels, questions, command: deps.commandName, githubConfigured: deps.channels?.githubConfigured ?? false }),
  });
}

export function openLinkModal(deps: SlackDeps) {
  return openModal(deps, () => linkRepoModal());
}

export function openDatabaseModal(deps: SlackDeps) {
  return openModal(deps, () => databaseModal(deps.channels?.databases ?? []));
}

function openModal(deps: SlackDeps, view: () => ReturnType<typeof linkRepoModal> | ReturnType<typeof databaseModal>) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: view() });
    } catch (error) {
      deps.logger.warn({ slackError: slackErrorCode(error) }, 'could not open a settings modal');
    }
  };
}

type Values = ViewOutput['state']['values'];

function field(values: Values, block: string): string | null {
  const element = values[block]?.value;
  const raw = element?.selected_conversation ?? element?.selected_option?.value ?? element?.value ?? null;
  const trimmed = typeof raw === 'string' ? raw.trim() : null;
  return trimmed === '' ? null : trimmed;
}

/** Both modals: who may change settings, and a channel chosen. */
function precheck(deps: SlackDeps, userId: string, values: Values): { errors: Record<string, string> } | { channelId: string } {
  const admins = deps.adminUserIds;
  if (admins.length > 0 && !admins.includes(userId)) return { errors: { [FIELDS.channel]: notAdminText(admins).slice(0, 150) } };
  const channelId = field(values, FIELDS.channel);
  if (channelId === null) return { errors: { [FIELDS.channel]: 'Choose the channel these settings are for.' } };
  return { channelId };
}

/**
 * The link modal's submission. What needs no request (admin, channel, format, allowlist) is answered in
 * the acknowledgement as an error on the field; reading the repository on GitHub can outlast Slack's
 * deadline for acknowledging a submission, so the modal shows that it is checking and is updated with
 * the outcome when GitHub answers.
 */
export function linkSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client, context }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const values = view.state.values;
    const teamId = body.team?.id ?? context.teamId ?? '';
    const checked = precheck(deps, body.user.id, values);
    if ('errors' in checked) return void (await ack({ response_action: 'errors', errors: checked.errors }));
    const channels = deps.channels;
    if (channels === undefined || !channels.githubConfigured) {
      return void (await ack({ response_action: 'errors', errors: { [FIELDS.repo]: 'GitHub is not set up for migrate-help (GITHUB_TOKEN or a GitHub App).' } }));
    }
    const form: LinkFormValues = { channelId: checked.channelId, repo: field(values, FIELDS.repo) ?? '', branch: field(values, FIELDS.branch), path: field(values, FIELDS.path) };
    try {
      channels.validateLink(form);
    } catch (error) {
      deps.logger.info({ channel: form.channelId, code: asAppError(error).code }, 'repository link refused from App Home');
      return void (await ack({ response_action: 'errors', errors: { [FIELDS.repo]: asAppError(error).userMessage.slice(0, 300) } }));
    }
    await ack({ response_action: 'update', view: linkCheckingView(form.repo) });
    const outcome = await linkOutcome(deps, channels, { teamId, userId: body.user.id, form });
    await client.views.update({ view_id: view.id, view: outcome.view }).catch((error: unknown) => deps.logger.warn({ slackError: slackErrorCode(error) }, 'could not show the link outcome'));
    if (outcome.linked) await publishHome(client, deps, teamId, body.user.id).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not refresh App Home'));
  };
}

/** Link the channel; the view that says it is done, or the form again with GitHub's refusal. */
async function linkOutcome(deps: SlackDeps, channels: NonNullable<SlackDeps['channels']>, request: { teamId: string; userId: string; form: LinkFormValues }) {
  const { teamId, userId, form } = request;
  try {
    const linked = await channels.link({ teamId, userId, ...form });
    return { linked: true, view: linkDoneView(form.channelId, linked) };
  } catch (error) {
    const appError = asAppError(error);
    deps.logger.info({ channel: form.channelId, code: appError.code }, 'repository link refused from App Home');
    return { linked: false, view: linkRepoModal({ values: form, reason: appError.userMessage }) };
  }
}

export function databaseSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client, context }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const values = view.state.values;
    const teamId = body.team?.id ?? context.teamId ?? '';
    const checked = precheck(deps, body.user.id, values);
    if ('errors' in checked) return void (await ack({ response_action: 'errors', errors: checked.errors }));
    const channels = deps.channels;
    if (channels === undefined) return void (await ack({ response_action: 'errors', errors: { [FIELDS.database]: 'Channel settings are not available in this deployment.' } }));
    const version = field(values, FIELDS.version);
    try {
      await channels.setDatabase({ teamId, channelId: checked.channelId, userId: body.user.id, database: field(values, FIELDS.database) ?? '', version });
    } catch (error) {
      const message = asAppError(error).userMessage;
      const block = version !== null && /version/i.test(message) ? FIELDS.version : FIELDS.database;
      return void (await ack({ response_action: 'errors', errors: { [block]: message.slice(0, 300) } }));
    }
    await ack();
    await publishHome(client, deps, teamId, body.user.id).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not refresh App Home'));
  };
}
