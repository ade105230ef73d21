import type { ToolResponseFrame } from '@solo-unicorn/shared';
import type { Logger } from '../logger.ts';
import type { AttemptRef } from '../session/outbox.ts';
import { startToolEndpoint } from './endpoint.ts';
import { createToolRelay } from './relay.ts';
import { createToolSessions } from './sessions.ts';

/** What a launch needs to hand the tools to its agent: the URL for argv, the token for env only. */
export interface AgentToolsGrant {
  url: string;
  token: string;
  /** Ends the token (the run is over); later calls get SU_ERR_MISSION_ENDED. */
  revoke(): void;
}

export interface AgentToolsOpen {
  ref: AttemptRef;
  stage: string;
  stages: readonly { name: string; requiresReview?: boolean }[];
  worktree: string;
}

/**
 * The daemon's agent tools (issue #14): one loopback MCP endpoint, a token per agent run, and the
 * relay to the control plane. `open` is called right before a launch; `endsRun` tells the runner
 * that an agent asked for review or asked a question (no next stage, no merge).
 */
export async function createAgentTools(opts: {
  version: string;
  log: Logger;
  emit(ref: AttemptRef, kind: string, data: Record<string, unknown>): Promise<unknown>;
  send(frame: unknown): boolean;
  connected(): boolean;
}) {
  const sessions = createToolSessions();
  const relay = createToolRelay({ send: opts.send, connected: opts.connected });
  const endpoint = await startToolEndpoint(sessions, { version: opts.version, log: opts.log, relay, emit: opts.emit });
  /** Attempts whose agent asked for review or asked a question: survives the token's revocation. */
  const ending = new Set<string>();

  return {
    url: endpoint.url,
    open(o: AgentToolsOpen): AgentToolsGrant {
      const minted = sessions.mint(o);
      const [session] = sessions.ofAttempt(o.ref.attemptId).slice(-1);
      return {
        url: endpoint.url,
        token: minted.token,
        revoke() {
          if (session && (session.flags.reviewRequested || session.flags.asked)) ending.add(o.ref.attemptId);
          minted.revoke();
        },
      };
    },
    /** True once a run of this attempt called mission_request_review or mission_ask. */
    endsRun(attemptId: string): boolean {
      return ending.has(attemptId) || sessions.ofAttempt(attemptId).some((s) => s.flags.reviewRequested || s.flags.asked);
    },
    /** The attempt is over: forget it. */
    forget(attemptId: string) {
      ending.delete(attemptId);
    },
    answered: (p: ToolResponseFrame['payload']) => relay.answered(p),
    refused: (refId: string, code: string, message: string) => relay.refused(refId, code, message),
    disconnected: () => relay.disconnected(),
    close: () => endpoint.close(),
  };
}
export type AgentTools = Awaited<ReturnType<typeof createAgentTools>>;
