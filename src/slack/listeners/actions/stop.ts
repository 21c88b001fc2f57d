/** The asker's Stop button: cancels the model stream; the answer ends marked as stopped. */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';

const REPLIES = {
  stopped: 'Stopped. The answer in the thread ends where it was.',
  // Without Redis each replica knows only its own answers; with it, "nowhere" is certain.
  not_running: 'That answer has already finished (or is running on another instance of migrate-help that could not be reached).',
  not_yours: 'Only the person who asked can stop this answer.',
} as const;

export function stopClicked(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const key = (action as { value?: string }).value ?? '';
    const result = await deps.stops.stop(key, body.user.id);
    deps.logger.info({ action: 'stop', result, user: body.user.id }, 'stop requested');
    await respond({ replace_original: true, response_type: 'ephemeral', text: REPLIES[result] }).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not confirm the stop'));
  };
}
