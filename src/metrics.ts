/**
 * Prometheus metrics (prom-client), one registry per running bot so tests and several bots in one
 * process never share counters. Edges record through the small `Metrics` methods; /metrics renders
 * the registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prices in US dollars per million tokens, for the estimated-cost counter. */
export interface ModelPrices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Anthropic's list prices for Opus-class models; LLM_PRICES_PER_MTOK overrides them. */
export const DEFAULT_MODEL_PRICES: ModelPrices = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };

export interface AnsweredRecord {
  source: string;
  /** `ok`, or the error code the answer ended with. */
  outcome: string;
  latencySeconds: number;
  model?: string;
  usage?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  toolCalls: number;
}

export interface Metrics {
  readonly registry: Registry;
  answered(record: AnsweredRecord): void;
  /** An upstream call failed: `upstream` is slack, anthropic, github, store or redis; `kind` its error code. */
  upstreamError(upstream: string, kind: string): void;
  /** An answer used post + update instead of a stream, and why (`budget`, `refused`, `broken`). */
  streamFallback(reason: string): void;
  /** Feedback on an answer (`positive` / `negative`). */
  feedback(value: string): void;
  /** Questions waiting for a model slot in this replica, read at scrape time. */
  setQueueDepthSource(read: () => number): void;
  render(): Promise<string>;
  readonly contentType: string;
}

/** The service an answer's error code blames (codes are prefixed by where they come from), if any. */
function upstreamOf(outcome: string): string | undefined {
  if (outcome.startsWith('model_')) return 'anthropic';
  if (outcome.startsWith('slack_')) return 'slack';
  if (outcome.startsWith('github_')) return 'github';
  return undefined;
}

export function createMetrics(options: { prices?: ModelPrices; defaultMetrics?: boolean } = {}): Metrics {
  const prices = options.prices ?? DEFAULT_MODEL_PRICES;
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'migrate_help_' });
  const questions = new Counter({ name: 'migrate_help_questions_total', help: 'Questions answered, by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'migrate_help_answer_seconds',
    help: 'Time from receiving a question to the end of its answer',
    labelNames: ['source'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers: [registry],
  });
  const tokens = new Counter({ name: 'migrate_help_model_tokens_total', help: 'Model tokens, by kind (input, output, cache_read, cache_write)', labelNames: ['kind', 'model'], registers: [registry] });
  const cost = new Counter({ name: 'migrate_help_model_cost_usd_total', help: 'Estimated model cost in US dollars (list prices or LLM_PRICES_PER_MTOK)', labelNames: ['model'], registers: [registry] });
  const toolCalls = new Counter({ name: 'migrate_help_tool_calls_total', help: 'Tool calls the model made', registers: [registry] });
  const upstreamErrors = new Counter({ name: 'migrate_help_upstream_errors_total', help: 'Failed calls to other services, by upstream and kind', labelNames: ['upstream', 'kind'], registers: [registry] });
  const fallbacks = new Counter({ name: 'migrate_help_stream_fallbacks_total', help: 'Answer messages sent with post + update instead of a stream, by reason', labelNames: ['reason'], registers: [registry] });
  const feedback = new Counter({ name: 'migrate_help_feedback_total', help: 'Feedback on answers, by value', labelNames: ['value'], registers: [registry] });
  let readQueueDepth: () => number = () => 0;
  new Gauge({
    name: 'migrate_help_queue_depth',
    help: 'Questions in this replica waiting for a model slot',
    registers: [registry],
    collect() {
      this.set(readQueueDepth());
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    answered(record) {
      questions.inc({ source: record.source, outcome: record.outcome });
      const upstream = upstreamOf(record.outcome);
      if (upstream !== undefined) upstreamErrors.inc({ upstream, kind: record.outcome });
      latency.observe({ source: record.source }, record.latencySeconds);
      if (record.toolCalls > 0) toolCalls.inc(record.toolCalls);
      const usage = record.usage;
      if (usage === undefined) return;
      const model = record.model ?? 'unknown';
      const kinds: Array<[string, number, number]> = [
        ['input', usage.inputTokens, prices.input],
        ['output', usage.outputTokens, prices.output],
        ['cache_read', usage.cacheReadTokens, prices.cacheRead],
        ['cache_write', usage.cacheWriteTokens, prices.cacheWrite],
      ];
      let dollars = 0;
      for (const [kind, count, price] of kinds) {
        if (count > 0) tokens.inc({ kind, model }, count);
        dollars += (count * price) / 1_000_000;
      }
      if (dollars > 0) cost.inc({ model }, dollars);
    },
    upstreamError(upstream, kind) {
      upstreamErrors.inc({ upstream, kind });
    },
    streamFallback(reason) {
      fallbacks.inc({ reason });
    },
    feedback(value) {
      feedback.inc({ value });
    },
    setQueueDepthSource(read) {
      readQueueDepth = read;
    },
    render: () => registry.metrics(),
  };
}
