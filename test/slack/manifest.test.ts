/** manifest.yml must stay importable and in step with the code (command name, events, prompts). */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOT_SCOPES } from '../../src/config.js';
import { DEFAULT_COMMAND } from '../../src/slack/app.js';
import { ASK_ABOUT_MESSAGE_SHORTCUT } from '../../src/slack/listeners/shortcuts/ask-about-message.js';
import { SUGGESTED_PROMPTS } from '../../src/slack/listeners/events/app-home-opened.js';

interface Manifest {
  display_information: { name: string; description: string; long_description: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    shortcuts: Array<{ name: string; type: string; callback_id: string; description: string }>;
    bot_user: { display_name: string };
    slash_commands: Array<{ command: string; description: string; usage_hint: string }>;
    agent_view: { agent_description: string; suggested_prompts: Array<{ title: string; message: string }> };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it('respects Slack field limits', () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.long_description.length).toBeGreaterThanOrEqual(174);
    expect(manifest.features.agent_view.agent_description.length).toBeLessThanOrEqual(300);
    expect(manifest.features.agent_view.suggested_prompts.length).toBeLessThanOrEqual(4);
  });

  it('declares the command, events and Messages tab the listeners use', () => {
    expect(manifest.features.slash_commands.map((command) => command.command)).toEqual([DEFAULT_COMMAND]);
    expect(manifest.features.slash_commands[0]!.usage_hint).toBeTruthy();
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([
      'app_home_opened',
      'app_mention',
      'app_uninstalled',
      'assistant_thread_context_changed',
      'assistant_thread_started',
      'message.im',
      'tokens_revoked',
    ]);
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false });
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ type: 'message', callback_id: ASK_ABOUT_MESSAGE_SHORTCUT })]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('asks for exactly the scopes OAuth installs request, each documented in docs/slack-setup.md', () => {
    const docs = readFileSync(new URL('../../docs/slack-setup.md', import.meta.url), 'utf8');
    const scopes = manifest.oauth_config.scopes.bot;
    expect([...scopes].sort()).toEqual([...DEFAULT_BOT_SCOPES].sort());
    for (const scope of scopes) expect(docs).toContain(`\`${scope}\``);
  });

  it('offers the same suggested prompts as the Messages tab listener', () => {
    expect(manifest.features.agent_view.suggested_prompts).toEqual(SUGGESTED_PROMPTS);
  });
});
