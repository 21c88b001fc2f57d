/**
 * `app_uninstalled` and `tokens_revoked` (for the bot token): the workspace's installation and
 * everything the store keeps for it (links, settings, feedback, questions) are removed. Bolt skips
 * authorization for these two events, so the context carries only the team and enterprise ids.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { installationKey } from '../../installation-store.js';

export function appUninstalled(deps: SlackDeps) {
  return async ({ context, event }: (SlackEventMiddlewareArgs<'app_uninstalled'> | SlackEventMiddlewareArgs<'tokens_revoked'>) & AllMiddlewareArgs): Promise<void> => {
    if (event.type === 'tokens_revoked' && (event.tokens.bot ?? []).length === 0) return; // Only user tokens went: the bot still works.
    const teamId = context.teamId;
    const log = deps.logger.child({ event: event.type, teamId, enterpriseId: context.enterpriseId });
    try {
      const key = installationKey({ isEnterpriseInstall: context.isEnterpriseInstall, enterpriseId: context.enterpriseId, teamId });
      if (key !== undefined) await deps.store.installations.remove(key);
      if (teamId !== undefined) await deps.store.workspaces.purge(teamId);
      log.info('workspace removed: its installation and data are deleted');
    } catch (error) {
      log.error({ err: error }, 'could not delete the workspace data after an uninstall');
    }
  };
}
