import { describe, expect, it } from 'vitest';
import { slackTextToPlain } from '../../src/slack/text.js';

describe('slackTextToPlain', () => {
  it('drops the bot mention and decodes entities', () => {
    expect(slackTextToPlain('<@U0BOT> File "x.py", line 3, in &lt;module&gt; &amp; more', 'U0BOT')).toBe('File "x.py", line 3, in <module> & more');
  });

  it('keeps other mentions, channels and links readable', () => {
    expect(slackTextToPlain('ask <@U2> in <#C1|ops> see <https://github.com/acme/api/pull/7|PR 7> and <https://x.test/a?b=1&amp;c=2> <!here>', 'U0BOT')).toBe(
      'ask @U2 in #ops see PR 7 (https://github.com/acme/api/pull/7) and https://x.test/a?b=1&c=2 @here',
    );
  });

  it('returns an empty string for a bare mention', () => {
    expect(slackTextToPlain('  <@U0BOT|migrate-help>  ', 'U0BOT')).toBe('');
  });
});
