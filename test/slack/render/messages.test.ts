import { describe, expect, it } from 'vitest';
import { askedRootText, inviteHintText, usageText } from '../../../src/slack/render/messages.js';
import { findSubcommand, helpText, SUBCOMMANDS } from '../../../src/slack/listeners/commands/subcommands.js';

describe('fixed texts', () => {
  it('quotes the asker and escapes their text for mrkdwn', () => {
    expect(askedRootText('U1', 'is <b> & safe?\nsecond line')).toBe('<@U1> asked:\n> is &lt;b&gt; &amp; safe?\n> second line');
  });

  it('lists every subcommand in the usage', () => {
    const text = helpText('/migrate-help');
    for (const sub of SUBCOMMANDS) expect(text).toContain(`/migrate-help ${sub.usage}`);
    expect(usageText('/x', [{ usage: 'link owner/repo', description: 'link a repo.' }])).toContain('`/x link owner/repo`: link a repo.');
  });

  it('tells how to invite the bot', () => {
    expect(inviteHintText('/migrate-help', 'U0BOT')).toContain('/invite @migrate-help');
  });

  it('finds subcommands case-insensitively and treats the rest as questions', () => {
    expect(findSubcommand('HELP')?.subcommand.name).toBe('help');
    expect(findSubcommand('helpful tips on RunPython?')).toBeUndefined();
  });
});
