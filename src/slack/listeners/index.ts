import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { createAssistant } from './assistant.js';
import { register as registerCommands } from './commands/index.js';
import { register as registerEvents } from './events/index.js';
import { register as registerInteractive } from './interactive.js';
import { register as registerMessages } from './messages/index.js';

/** Every listener kind, each registering its handlers (one handler per file). */
export function registerListeners(app: App, deps: SlackDeps): void {
  // The Assistant takes threaded DMs and assistant-thread events before the listeners below.
  app.assistant(createAssistant(deps));
  registerCommands(app, deps);
  registerEvents(app, deps);
  registerMessages(app, deps);
  registerInteractive(app, deps);
}
