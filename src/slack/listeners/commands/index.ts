import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { migrateHelpCommand } from './migrate-help.js';

export function register(app: App, deps: SlackDeps): void {
  app.command(deps.commandName, migrateHelpCommand(deps));
}
