/**
 * `npm run console`: the Slack bot's question pipeline in a terminal. One question at a time; the
 * conversation is kept like a Slack thread until `/reset`. Needs no Slack account; without
 * ANTHROPIC_API_KEY it still answers with migrate-help's own checks and says the model is off.
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, formatConfigError, loadConfig, secretValues, type Config } from './config.js';
import { createExpert, loadPrompts } from './expert/index.js';
import { createLogger } from './logger.js';
import { knowledgeIndex } from './knowledge/load.js';
import { createEngineGrounder, createKnowledgeGrounder, createPlaybookGrounder } from './pipeline/grounders/index.js';
import { createAnswerService } from './pipeline/index.js';
import type { AnswerOutcome, AnswerService, AnswerSink, ConversationTurn, Grounder } from './pipeline/types.js';

const HELP = [
  'Ask a question about Django migrations, or paste a traceback or showmigrations output.',
  'Multi-line input: type """ on its own line, paste, then """ again.',
  'Commands: /reset starts a new conversation, /exit quits (or Ctrl-D).',
].join('\n');

export interface ConsoleIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Status lines and notes; kept off `output` so piping the answers stays clean. */
  notes: NodeJS.WritableStream;
  interactive: boolean;
}

function describeOutcome(outcome: AnswerOutcome): string[] {
  const lines: string[] = [];
  if (outcome.error) lines.push(`${outcome.incomplete ? '[incomplete] ' : ''}${outcome.error.userMessage}`);
  if (outcome.usage) {
    const usage = outcome.usage;
    lines.push(`(${outcome.model ?? 'model'}: ${usage.inputTokens} tokens in, ${usage.outputTokens} out, ${usage.cacheReadTokens} read from cache)`);
  }
  return lines;
}

/** Read questions from `io.input` until EOF or /exit, answering each through `service`. */
export async function runConsole(service: AnswerService, io: ConsoleIo, modelNote: string): Promise<void> {
  const reader = createInterface({ input: io.input, terminal: io.interactive });
  const history: ConversationTurn[] = [];
  const prompt = () => {
    if (io.interactive) io.output.write('\nmigrate-help> ');
  };
  io.notes.write(`migrate-help console. ${modelNote}\n${HELP}\n`);
  prompt();

  let block: string[] | undefined;
  let questionCount = 0;
  for await (const rawLine of reader) {
    const line = rawLine.replace(/\r$/, '');
    if (block) {
      if (line.trim() === '"""') {
        const text = block.join('\n');
        block = undefined;
        await ask(text);
      } else block.push(line);
      continue;
    }
    const command = line.trim();
    if (command === '"""') {
      block = [];
      continue;
    }
    if (command === '/exit' || command === '/quit') break;
    if (command === '/help') {
      io.notes.write(`${HELP}\n`);
      prompt();
      continue;
    }
    if (command === '/reset') {
      history.length = 0;
      io.notes.write('Started a new conversation.\n');
      prompt();
      continue;
    }
    if (!command) {
      prompt();
      continue;
    }
    await ask(line);
  }
  if (block && block.length > 0) await ask(block.join('\n'));
  reader.close();

  async function ask(text: string): Promise<void> {
    questionCount += 1;
    let answer = '';
    let lastStatus = '';
    const sink: AnswerSink = {
      status: async (status) => {
        if (status !== lastStatus) io.notes.write(`… ${status}\n`);
        lastStatus = status;
      },
      text: async (delta) => {
        answer += delta;
        io.output.write(delta);
      },
      finish: async (outcome) => {
        if (answer && !answer.endsWith('\n')) io.output.write('\n');
        for (const line of describeOutcome(outcome)) io.notes.write(`${line}\n`);
      },
    };
    await service.answer({ id: `console-${process.pid}-${questionCount}`, source: 'console', userId: 'console', text, history: [...history] }, sink);
    // Like a thread: the next question sees this exchange (an error-only reply adds no assistant turn).
    history.push({ role: 'user', text });
    if (answer.trim()) history.push({ role: 'assistant', text: answer });
    prompt();
  }
}

/** The engine's grounders for the console: pasted migrations and shared files, pasted errors and showmigrations, the knowledge index. */
export function consoleGrounders(config: Config): Grounder[] {
  const settings = { database: config.engine.database, ...(config.engine.databaseVersion === undefined ? {} : { databaseVersion: config.engine.databaseVersion }) };
  return [createEngineGrounder({ settingsFor: () => settings }), createPlaybookGrounder(), createKnowledgeGrounder({ index: knowledgeIndex() })];
}

/** Everything but the REPL loop: config, logger, expert, pipeline (with `consoleGrounders` in `npm run console`). */
export function createConsoleService(config: Config, grounders: Grounder[] = []): { service: AnswerService; modelNote: string } {
  // The REPL prints answers on stdout; logs go to stderr and only warnings unless LOG_LEVEL asks for more.
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  const secrets = secretValues(config);
  const logger = createLogger({ level, destination: 'stderr', secrets });
  const prompts = loadPrompts();
  const expert = config.anthropic.apiKey
    ? createExpert({ apiKey: config.anthropic.apiKey, baseURL: config.anthropic.baseURL, model: config.anthropic.model, logger })
    : undefined;
  const service = createAnswerService({
    expert,
    systemPrompt: prompts.system,
    logger,
    maxConcurrent: config.anthropic.maxConcurrent,
    grounders,
    secrets,
  });
  const modelNote = expert ? `Model: ${expert.model}.` : 'The expert model is not configured (ANTHROPIC_API_KEY is not set): answers contain migrate-help’s own checks only.';
  return { service, modelNote };
}

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env, { requireSlack: false });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${formatConfigError(error)}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { service, modelNote } = createConsoleService(config, consoleGrounders(config));
  await runConsole(service, { input: process.stdin, output: process.stdout, notes: process.stderr, interactive: Boolean(process.stdin.isTTY) }, modelNote);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`migrate-help console failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
