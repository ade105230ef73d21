/**
 * What went wrong in an agent run beyond "it exited non-zero", read from the events its adapter
 * produced and from its stderr, so the runner can answer each case on its own terms:
 * - `limited`: the usage limit (the attempt ends `limited`, not failed);
 * - `auth`: the model API refused the credentials (a relaunch cannot help);
 * - `resume_refused`: the CLI does not know the session it was asked to continue (run fresh);
 * - `overloaded`: 5xx / 529 / a lost connection the CLI gave up on (relaunch after a pause).
 */
export type RunTrouble =
  | { kind: 'limited'; until?: string; message: string }
  | { kind: 'auth' | 'resume_refused' | 'overloaded'; message: string };

/** The first matters most; a later, weaker sign never hides it. */
const rank: Record<RunTrouble['kind'], number> = { limited: 0, auth: 1, resume_refused: 2, overloaded: 3 };

/** What the CLIs print when a session id is unknown (Claude Code 2.1, Codex 0.171). */
const unknownSession = /No conversation found with session ID|no rollout found for thread id|thread\/resume failed|Error resuming session|Invalid session identifier/i;

export function watchRunTrouble() {
  let trouble: RunTrouble | undefined;
  let sessionId: string | undefined;
  const note = (t: RunTrouble) => {
    if (!trouble || rank[t.kind] < rank[trouble.kind]) trouble = t;
  };
  return {
    onEvent(kind: string, data: Record<string, unknown>) {
      if (kind === 'agent.session' && typeof data.agentSessionId === 'string') sessionId = data.agentSessionId;
      if (kind === 'agent.limited') note({ kind: 'limited', message: String(data.message ?? 'usage limit reached'), ...(typeof data.until === 'string' ? { until: data.until } : {}) });
      if (kind === 'agent.error' && (data.reason === 'auth' || data.reason === 'overloaded')) note({ kind: data.reason, message: String(data.message ?? '') });
    },
    onStderr(line: string) {
      if (unknownSession.test(line)) note({ kind: 'resume_refused', message: line.trim().slice(0, 500) });
    },
    get trouble() {
      return trouble;
    },
    get sessionId() {
      return sessionId;
    },
  };
}
