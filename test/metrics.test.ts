import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

describe('metrics', () => {
  it('counts an answer that ended on an upstream failure under that upstream and kind', async () => {
    const metrics = createMetrics();
    metrics.answered({ source: 'mention', outcome: 'model_overloaded', latencySeconds: 1, toolCalls: 0 });
    metrics.answered({ source: 'mention', outcome: 'github_rate_limited', latencySeconds: 1, toolCalls: 0 });
    metrics.answered({ source: 'dm', outcome: 'ok', latencySeconds: 1, toolCalls: 0 });
    metrics.answered({ source: 'dm', outcome: 'stopped', latencySeconds: 1, toolCalls: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('migrate_help_upstream_errors_total{upstream="anthropic",kind="model_overloaded"} 1');
    expect(text).toContain('migrate_help_upstream_errors_total{upstream="github",kind="github_rate_limited"} 1');
    expect(text).not.toMatch(/upstream_errors_total\{[^}]*kind="(ok|stopped)"/);
  });
});
