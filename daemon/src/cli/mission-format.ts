// How a mission and its timeline read in a terminal.
import { clipText } from '@solo-unicorn/shared';

export const missionLine = (m: any) =>
  `${m.id}  [${m.list}${m.ready ? ', ready' : ''}]  p${m.priority}  ${m.title}${m.dispatch ? `  (${m.dispatch.state.replace('_', ' ')})` : ''}`;

/** The `dispatch` object (why it is or is not running), when this control plane sends one. */
export function dispatchLines(m: any): string[] {
  const d = m.dispatch;
  if (!d || typeof d.state !== 'string') return [];
  const reasons = Array.isArray(d.reasons) ? d.reasons : [];
  return [
    `dispatch: ${d.state}${reasons.length ? '' : ' (nothing holds it back)'}`,
    ...reasons.map((r: any) => `  - ${r.message}${r.fix ? ` → ${r.fix}` : ''}  [${r.code}]`),
  ];
}

// Words first (reason, message, …), the rest as compact JSON: a failure's reason must be readable.
const wordKeys = ['reason', 'message', 'feedback', 'question', 'answer', 'text', 'hint', 'error', 'summary'];

/** One event: seq, time, origin, kind and its data (clipped to `max` characters when given). */
export function eventLine(e: any, max?: number) {
  const data: Record<string, unknown> = e.data && typeof e.data === 'object' && !Array.isArray(e.data) ? (e.data as Record<string, unknown>) : e.data === undefined || e.data === null ? {} : { value: e.data };
  const said = wordKeys.filter((k) => typeof data[k] === 'string' && data[k]);
  const words = said.map((k) => `${k}: ${String(data[k]).replace(/\s+/g, ' ')}`);
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !said.includes(k)));
  const tail = [...words, ...(Object.keys(rest).length ? [JSON.stringify(rest)] : [])].join('  ');
  const text = `#${e.seq} ${e.createdAt} ${e.origin} ${e.kind}${tail ? `  ${tail}` : ''}`;
  return max ? clipText(text, max, '…') : text;
}

export function missionSummary(m: any): string[] {
  // Only what the mission says (an older control plane sends fewer fields).
  const has = (k: string) => k in m;
  const parts = [
    `stage ${m.stage}`, `agent ${m.agentSessionStatus}`,
    has('repositoryId') ? (m.repositoryId ? `repository ${m.repositoryId}` : 'no repository') : undefined,
    has('flowId') ? (m.flowId ? `flow ${m.flowId}` : 'default flow') : undefined, m.actorId ? `actor ${m.actorId}` : undefined,
    m.prBranchName ? `branch ${m.prBranchName}${m.targetBranch ? ` → ${m.targetBranch}` : ''}` : m.targetBranch ? `target ${m.targetBranch}` : undefined,
    m.requiresReview ? `review ${m.reviewStatus ?? 'required'}` : undefined,
    m.dependencyCount ? `${m.dependencyCount} dependencies open` : undefined,
  ].filter(Boolean);
  const lines = [missionLine(m), parts.join(', ')];
  if (m.reviewFeedback) lines.push(`feedback: ${clipText(m.reviewFeedback.replace(/\s+/g, ' '), 200, '…')}`);
  if (m.question) lines.push(`question from the agent: ${m.question.text}  → solo-unicorn mission answer ${m.id} "<text>"`);
  return [...lines, ...dispatchLines(m)];
}
