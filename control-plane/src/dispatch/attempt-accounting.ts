import { clipText } from '@solo-unicorn/shared';
import { eq, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { codeAgentSessions } from '../db/schema/index.ts';
import type { Tx } from '../db/types.ts';

/**
 * Bounds of one `agent.usage` delta. Agent data is hostile input: a value that is not a finite,
 * non-negative number within these bounds is ignored (not clamped), so one forged frame cannot
 * poison a project's figures or overflow a column.
 */
const maxDelta = { tokens: 1e9, costUsd: 10_000, numTurns: 10_000, apiMs: 86_400_000 } as const;
/** Column ceilings: sums stop there instead of failing the transaction that stores the frame. */
const INT_MAX = 2_147_483_647;
const COST_MAX = 99_999_999; // numeric(14, 6)

function delta(value: unknown, max: number, integer: boolean): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) return undefined;
  return integer ? Math.floor(value) : value;
}

/** `column + n`, a nullable column counting from zero, capped at `ceiling`. */
const plus = (column: AnyColumn, n: number, ceiling: number) => sql`LEAST(COALESCE(${column}, 0) + ${n}, ${ceiling})`;

type AttemptChanges = { [K in keyof typeof codeAgentSessions.$inferInsert]?: (typeof codeAgentSessions.$inferInsert)[K] | SQL };

/** The column changes one `agent.usage` frame asks for; empty when it carries nothing usable. */
function usageChanges(data: Record<string, unknown>): AttemptChanges {
  const a = codeAgentSessions;
  const set: AttemptChanges = {};
  const tokens = { inputTokens: a.inputTokens, outputTokens: a.outputTokens, cacheReadTokens: a.cacheReadTokens, cacheWriteTokens: a.cacheWriteTokens } as const;
  for (const [key, column] of Object.entries(tokens) as [keyof typeof tokens, (typeof tokens)[keyof typeof tokens]][]) {
    const n = delta(data[key], maxDelta.tokens, true);
    if (n) set[key] = sql`${column} + ${n}`;
  }
  // Cost stays null (unknown) until an agent reports one: Codex never does, and 0 would be a lie.
  const cost = delta(data.costUsd, maxDelta.costUsd, false);
  if (cost !== undefined) set.costUsd = plus(a.costUsd, cost, COST_MAX);
  const turns = delta(data.numTurns, maxDelta.numTurns, true);
  if (turns !== undefined) set.numTurns = plus(a.numTurns, turns, INT_MAX);
  const apiMs = delta(data.apiMs, maxDelta.apiMs, true);
  if (apiMs !== undefined) set.apiMs = plus(a.apiMs, apiMs, INT_MAX);
  return set;
}

/**
 * What an agent event adds to its attempt's figures: usage deltas, refused tool calls, the agent
 * CLI's own session id. Runs in the transaction that stores the event, which ingest skips for a
 * resent frame, so nothing is ever counted twice.
 */
export async function accountAgentEvent(tx: Tx, attemptId: string, kind: string, data: Record<string, unknown>): Promise<void> {
  const a = codeAgentSessions;
  let set: AttemptChanges = {};
  if (kind === 'agent.usage') set = usageChanges(data);
  else if (kind === 'agent.permission_denied') set = { permissionDenials: sql`LEAST(${a.permissionDenials} + 1, ${INT_MAX})` };
  else if (kind === 'agent.session' && typeof data.agentSessionId === 'string' && data.agentSessionId.trim() !== '') {
    set = { agentSessionId: clipText(data.agentSessionId.trim(), 128, '') };
  }
  if (Object.keys(set).length === 0) return;
  await tx.update(a).set(set).where(eq(a.id, attemptId));
}

/** Refused tool calls counted on the attempt so far (frames earlier in the same batch included). */
export async function permissionDenialsOf(tx: Tx, attemptId: string): Promise<number> {
  const [row] = await tx.select({ n: codeAgentSessions.permissionDenials }).from(codeAgentSessions).where(eq(codeAgentSessions.id, attemptId));
  return row?.n ?? 0;
}
