import {
  type AgentInfo, type ErrorPayload, fatalProtocolErrorCodes, makeFrame, type MissionAssignFrame, type MissionCancelFrame, parseFrame,
  type SequencedFrame, serverToDaemonFrame, type SessionWelcomeFrame, type ToolResponseFrame,
} from '@solo-unicorn/shared';
import type { Logger } from '../logger.ts';
import type { Outbox } from './outbox.ts';

export interface SessionInfo {
  workstationId: string;
  daemonVersion: string;
  agents: AgentInfo[];
  maxConcurrentMissions: number;
}

export interface HandlerDeps {
  outbox: Outbox;
  info: SessionInfo;
  log: Logger;
  isDraining(): boolean;
  onWelcome(welcome: SessionWelcomeFrame['payload']): void;
  onAssign(frame: MissionAssignFrame, reply: (text: string) => void): void;
  onCancel(frame: MissionCancelFrame): void;
  onFatal(message: string): void;
  /** The connection must be cut and redialed (resend after a gap). */
  onResync(reason: string): void;
  /** The agent tools' relay: answers to `tool.request`, refusals of one, and a lost session. */
  tools?: {
    answered(p: ToolResponseFrame['payload']): void;
    refused(refId: string, code: string, message: string): boolean;
    disconnected(): void;
  };
}

const fatalLines: Record<string, string> = {
  SU_ERR_PROTOCOL_VERSION: 'the control plane speaks another protocol version; upgrade solo-unicorn',
  SU_ERR_UNAUTHENTICATED: "the control plane refused this workstation's identity; register again with `solo-unicorn workstation register`",
  SU_ERR_WORKSTATION_REVOKED: 'this workstation was revoked on the control plane; register it again with `solo-unicorn workstation register`',
  SU_ERR_SESSION_REPLACED: 'another daemon connected with this workstation identity; this one stops (run one daemon per workstation)',
};

/**
 * The protocol state of one session: hello on open, resume on welcome (resend what is not
 * stored), trim on ack, new durable frames sent as they land. Bad frames from the server are
 * answered with an `error` frame and otherwise ignored.
 */
export function createSessionHandlers(deps: HandlerDeps) {
  const { outbox, log } = deps;
  let send: ((text: string) => boolean) | undefined;
  let welcomed = false;

  const sendFrame = (frame: unknown) => send?.(JSON.stringify(frame)) ?? false;
  const sendError = (p: ErrorPayload) => sendFrame(makeFrame('error', p));

  outbox.onDurable((frame) => {
    if (welcomed) sendFrame(frame);
  });

  /**
   * A pending frame the control plane will never take: replaced by its substitute (same seq),
   * which is sent with the attempt's later frames; a refused substitute drops the attempt. Logs the
   * frame type, never its content. False when no pending frame has that id.
   */
  function refused(frameId: string, e: ErrorPayload): boolean {
    const r = outbox.reject(frameId, { code: e.code, message: e.message });
    if (!r) return false;
    const { type, payload: { attemptId, seq } } = r.rejected;
    if (r.outcome === 'dropped') {
      log.warn({ attemptId, seq, type, code: e.code }, 'substitute frame refused too; dropping the attempt\'s unsent frames');
      return true;
    }
    log.warn({ attemptId, seq, type, code: e.code }, 'frame refused for good by the control plane; sending a substitute');
    if (welcomed) for (const f of r.resend) sendFrame(f);
    return true;
  }

  function welcome(p: SessionWelcomeFrame['payload']) {
    for (const a of p.attempts) {
      if (a.fenced) {
        log.warn({ attemptId: a.attemptId }, 'attempt no longer ours; dropping its unsent frames');
        outbox.drop(a.attemptId);
      } else outbox.resume(a.attemptId, a.lastStoredSeq);
    }
    welcomed = true;
    const resend: SequencedFrame[] = outbox.pending();
    for (const frame of resend) sendFrame(frame);
    log.info({ sessionId: p.sessionId, resent: resend.length }, 'session open');
    deps.onWelcome(p);
  }

  return {
    opened(sender: (text: string) => boolean) {
      send = sender;
      welcomed = false;
      sendFrame(makeFrame('session.hello', {
        ...deps.info, attempts: outbox.held(), draining: deps.isDraining(),
      }));
    },

    closed() {
      send = undefined;
      welcomed = false;
      deps.tools?.disconnected();
    },

    get welcomed() {
      return welcomed;
    },

    send: sendFrame,

    message(text: string) {
      const parsed = parseFrame(text, serverToDaemonFrame);
      if (!parsed.ok) {
        log.warn({ code: parsed.code, problem: parsed.message }, 'invalid frame from the control plane ignored');
        sendError({ code: parsed.code, message: parsed.message, retryable: parsed.code !== 'SU_ERR_PROTOCOL_VERSION', refId: parsed.refId });
        return;
      }
      const frame = parsed.frame;
      switch (frame.type) {
        case 'session.welcome':
          return welcome(frame.payload);
        case 'event.ack':
          for (const a of frame.payload.acks) outbox.ack(a.attemptId, a.seq);
          log.debug({ acks: frame.payload.acks, depth: outbox.depth }, 'ack received');
          return;
        case 'mission.assign':
          return deps.onAssign(frame, (t) => void send?.(t));
        case 'mission.cancel':
          return deps.onCancel(frame);
        case 'tool.response':
          return deps.tools?.answered(frame.payload);
        case 'error': {
          const e = frame.payload;
          if (fatalProtocolErrorCodes.has(e.code)) return deps.onFatal(fatalLines[e.code] ?? e.message);
          // A tool.request the server would not handle (rate limit, bad frame): its tool call fails, nothing else.
          if (e.refId && deps.tools?.refused(e.refId, e.code, e.message)) return;
          if (!e.retryable && e.refId && refused(e.refId, e)) return;
          if (e.code === 'SU_ERR_FRAME_QUARANTINED' || (e.code === 'SU_ERR_PROTOCOL_FRAME' && !e.retryable)) {
            // Nothing pending to replace: the frame is stored as a quarantine entry, or was not ours.
            log.warn({ code: e.code, refId: e.refId, attemptId: e.attemptId }, 'frame refused by the control plane');
            return;
          }
          if (e.code === 'SU_ERR_ATTEMPT_FENCED' && e.attemptId) {
            log.warn({ attemptId: e.attemptId, problem: e.message }, 'attempt fenced by the control plane; dropping its frames');
            outbox.drop(e.attemptId);
            return;
          }
          if (e.attemptId) return deps.onResync(`control plane asked for a resend: ${e.message}`);
          log.warn({ code: e.code, problem: e.message, refId: e.refId }, 'error from the control plane');
          if (e.code === 'SU_ERR_UNAVAILABLE') deps.onResync(e.message);
        }
      }
    },
  };
}
export type SessionHandlers = ReturnType<typeof createSessionHandlers>;
