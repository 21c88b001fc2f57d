import { describe, expect, it } from 'vitest';
import { QUESTION_METADATA_EVENT, threadToHistory } from '../../src/slack/history.js';

const BOT = { botUserId: 'U0BOT', botId: 'B0BOT' };

describe('threadToHistory', () => {
  it('maps the bot to assistant and people to user, strips the bot mention and stops before the current message', () => {
    const turns = threadToHistory(
      [
        { ts: '100.000001', user: 'U1', text: '<@U0BOT> why is `0042` conflicting?' },
        { ts: '100.000002', user: 'U0BOT', bot_id: 'B0BOT', text: 'Two leaves: 0042_a and 0042_b.' },
        { ts: '100.000003', user: 'U1', text: '<@U0BOT> how do I merge them?' },
        { ts: '100.000004', user: 'U2', text: 'later message' },
      ],
      { ...BOT, currentTs: '100.000003' },
    );
    expect(turns).toEqual([
      { role: 'user', text: 'why is `0042` conflicting?' },
      { role: 'assistant', text: 'Two leaves: 0042_a and 0042_b.' },
    ]);
  });

  it('reads a slash command root (the bot quoting a user) as the user question', () => {
    const turns = threadToHistory(
      [
        { ts: '1.1', user: 'U0BOT', bot_id: 'B0BOT', text: '<@U1> asked:\n> is it safe?', metadata: { event_type: QUESTION_METADATA_EVENT, event_payload: { user_id: 'U1', question: 'is it safe?' } } },
        { ts: '1.2', user: 'U0BOT', bot_id: 'B0BOT', text: 'preview', blocks: [{ type: 'markdown', text: 'Part one.' }] },
        { ts: '1.3', user: 'U0BOT', bot_id: 'B0BOT', text: 'Part two.' },
      ],
      { ...BOT, currentTs: '1.4' },
    );
    expect(turns).toEqual([
      { role: 'user', text: 'is it safe?' },
      { role: 'assistant', text: 'Part one.\n\nPart two.' },
    ]);
  });

  it('drops joins, edits and empty messages, merges consecutive people, and never starts with the bot', () => {
    const turns = threadToHistory(
      [
        { ts: '1.1', user: 'U0BOT', bot_id: 'B0BOT', text: 'Hi! Ask me about migrations.' },
        { ts: '1.2', user: 'U1', subtype: 'channel_join', text: '<@U1> has joined' },
        { ts: '1.3', user: 'U1', text: 'Traceback: &lt;module&gt; failed' },
        { ts: '1.4', user: 'U2', text: '<@U0BOT>' },
        { ts: '1.5', bot_id: 'B0CI', subtype: 'bot_message', text: 'CI: migrate failed' },
        { ts: '1.6', user: 'U1', subtype: 'message_changed', text: 'edit' },
      ],
      { ...BOT, currentTs: '2.0' },
    );
    expect(turns).toEqual([{ role: 'user', text: 'Traceback: <module> failed\n\nCI: migrate failed' }]);
  });
});
