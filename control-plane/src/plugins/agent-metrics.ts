import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import type { Db } from '../db/types.ts';
import { createAgentLimitsRepository } from '../dispatch/agent-limits.repository.ts';
import type { Clock } from '../lib/time.ts';
import { createUsageTotalsRepository } from '../modules/usage/usage.repository.ts';

/**
 * The agents' usage as Prometheus series, read from the database at scrape time: the attempts
 * table is the truth every process shares, so any control plane answers the same figures.
 * Registered after metricsPlugin, on its registry. Counters are set from the sums (reset, then
 * increased by the total): they only grow, as long as attempts are not deleted with their project.
 */
export const agentMetricsPlugin = fp(async (app: FastifyInstance, opts: { db: Db; clock: Clock }) => {
  const registers = [app.metrics];
  const totals = createUsageTotalsRepository(opts.db);
  /** A failed read leaves a family empty for this scrape; /metrics itself still answers. */
  const guarded = <T>(what: string, read: () => Promise<T>, apply: (rows: T) => void) => async () => {
    try {
      apply(await read());
    } catch (err) {
      app.log.warn({ err, what }, 'agent metrics not collected');
    }
  };

  const tokens: Counter<'project_id' | 'kind'> = new Counter({
    name: 'su_agent_tokens_total', help: 'Tokens the agents used, per project and kind (input, output, cache_read, cache_write)',
    labelNames: ['project_id', 'kind'], registers,
    collect: guarded('tokens', () => totals.byProject(), (rows) => {
      tokens.reset();
      for (const r of rows) {
        tokens.inc({ project_id: r.projectId, kind: 'input' }, r.input);
        tokens.inc({ project_id: r.projectId, kind: 'output' }, r.output);
        tokens.inc({ project_id: r.projectId, kind: 'cache_read' }, r.cacheRead);
        tokens.inc({ project_id: r.projectId, kind: 'cache_write' }, r.cacheWrite);
      }
    }),
  });
  const cost: Counter<'project_id'> = new Counter({
    name: 'su_agent_cost_usd_total', help: 'What the agents reported spending, per project (USD; agents that report no cost add nothing)',
    labelNames: ['project_id'], registers,
    collect: guarded('cost', () => totals.byProject(), (rows) => {
      cost.reset();
      for (const r of rows) cost.inc({ project_id: r.projectId }, r.costUsd);
    }),
  });
  const attempts: Counter<'project_id' | 'status'> = new Counter({
    name: 'su_agent_attempts_total', help: 'Agent attempts per project and status (assigned, running, succeeded, failed, cancelled, timed_out, lost, limited)',
    labelNames: ['project_id', 'status'], registers,
    collect: guarded('attempts', () => totals.attemptsByStatus(), (rows) => {
      attempts.reset();
      for (const r of rows) attempts.inc({ project_id: r.projectId, status: r.status }, r.n);
    }),
  });
  const limited: Gauge<'workstation_id' | 'agent_type'> = new Gauge({
    name: 'su_agent_limited', help: '1 while an agent on a workstation waits for its usage limit to reset (no series otherwise)',
    labelNames: ['workstation_id', 'agent_type'], registers,
    collect: guarded('limits', () => createAgentLimitsRepository(opts.db).allActive(opts.clock.now()), (rows) => {
      limited.reset();
      for (const r of rows) limited.set({ workstation_id: r.workstationId, agent_type: r.agentType }, 1);
    }),
  });
}, { name: 'agent-metrics' });
