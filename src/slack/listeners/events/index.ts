import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { appHomeOpened } from './app-home-opened.js';
import { appMention } from './app-mention.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_mention', appMention(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
