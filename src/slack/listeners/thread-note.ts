import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackErrorCode } from '../errors.js';

/** A short reply in a thread that is not an answer (a hint); failures are logged, never thrown. */
export async function postThreadNote(client: WebClient, channel: string, threadTs: string, text: string, log: Logger): Promise<void> {
  try {
    await client.chat.postMessage({ channel, thread_ts: threadTs, text });
  } catch (error) {
    log.error({ slackError: slackErrorCode(error) }, 'could not post a note in the thread');
  }
}
