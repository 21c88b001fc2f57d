import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { directMessage } from './direct-message.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('message', directMessage(deps));
}
