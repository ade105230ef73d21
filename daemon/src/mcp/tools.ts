import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  missionCreateCapPerAttempt, missionToolCreatedSchema, missionToolDescriptions, missionToolEventKinds, missionToolInputs, missionToolMissionAnswerSchema,
  type MissionToolName, newId,
} from '@solo-unicorn/shared';
import type { z } from 'zod';
import { listMissionDocs, missionDocsRelDir, readMissionDoc } from '../docs/mission-docs.ts';
import { writeNoFollow } from '../docs/no-follow.ts';
import type { Logger } from '../logger.ts';
import type { AttemptRef } from '../session/outbox.ts';
import type { ToolRelay } from './relay.ts';
import { takeCall, type ToolSession } from './sessions.ts';

export interface ToolDeps {
  version: string;
  log: Logger;
  relay: ToolRelay;
  /** Durable timeline entry (the outbox); resolves once it is on disk. */
  emit(ref: AttemptRef, kind: string, data: Record<string, unknown>): Promise<unknown>;
}

type Result = { content: { type: 'text'; text: string }[]; isError?: boolean };
class ToolError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
const text = (t: string): Result => ({ content: [{ type: 'text', text: t }] });
/** mission_get stays below this (UTF-16 units) with a note saying what was cut. */
const maxGetChars = 256 * 1024;

/**
 * The seven tools on a fresh McpServer for one HTTP request, bound to the run that owns the
 * token (`session`), or to none when the token was revoked (every call: SU_ERR_MISSION_ENDED).
 * Handlers never throw: an error is a tool result with `isError` and an `SU_ERR_*` code first.
 */
export function buildToolServer(session: ToolSession | null, deps: ToolDeps): McpServer {
  const server = new McpServer({ name: 'solo-unicorn', version: deps.version });
  const handlers: { [K in MissionToolName]: (s: ToolSession, input: never) => Promise<Result> } = {
    mission_get: (s) => missionGet(s, deps),
    mission_update_docs: (s, i: { path: string; content: string }) => updateDocs(s, i),
    mission_progress: async (s, i: { line: string }) => {
      await deps.emit(s.ref, missionToolEventKinds.progress, { line: i.line, stage: s.stage });
      return text(`progress recorded: ${i.line}`);
    },
    mission_set_stage: (s, i: { stage: string }) => setStage(s, i.stage, deps),
    mission_request_review: async (s, i: { summary: string }) => {
      s.flags.reviewRequested = true;
      await deps.emit(s.ref, missionToolEventKinds.reviewRequested, { summary: i.summary, stage: s.stage });
      return text('Review requested. End your turn now: the run ends and the mission goes to Review with your summary.');
    },
    mission_ask: async (s, i: { question: string; options?: string[] }) => {
      s.flags.asked = true;
      await deps.emit(s.ref, missionToolEventKinds.question, { question: i.question, options: i.options ?? [], stage: s.stage });
      return text('Your question is sent. End your turn now; you will be resumed in this session with the answer.');
    },
    mission_create: (s, i: { title: string; description?: string }) => create(s, i, deps),
  };
  for (const name of Object.keys(handlers) as MissionToolName[]) {
    server.registerTool(name, { description: missionToolDescriptions[name], inputSchema: missionToolInputs[name] }, async (input: unknown) => {
      const r = await guarded(name, session, deps, (s) => handlers[name](s, input as never));
      return r;
    });
  }
  return server;
}

async function guarded(tool: MissionToolName, s: ToolSession | null, deps: ToolDeps, run: (s: ToolSession) => Promise<Result>): Promise<Result> {
  let result: Result;
  try {
    if (!s) throw new ToolError('SU_ERR_MISSION_ENDED', 'the attempt has ended; this token is no longer valid');
    if (!takeCall(s)) throw new ToolError('SU_ERR_RATE_LIMITED', 'too many tool calls; at most 10 a second');
    result = await run(s);
  } catch (error) {
    const known = error instanceof ToolError;
    // Logged without the input: it is the agent's text and may be large or private.
    if (!known) deps.log.warn({ tool, err: (error as Error).message }, 'agent tool failed');
    const code = known ? error.code : 'SU_ERR_INTERNAL';
    result = { isError: true, content: [{ type: 'text', text: `${code}: ${known ? error.message : 'the tool failed inside the daemon'}` }] };
  }
  if (s) {
    const code = result.isError ? /^(SU_ERR_[A-Z_]+)/.exec(result.content[0]!.text)?.[1] : undefined;
    void deps.emit(s.ref, missionToolEventKinds.call, { tool, ok: !result.isError, ...(code ? { code } : {}), stage: s.stage }).catch(() => {});
  }
  return result;
}

/** The control plane's answers, checked like anything a peer sends before the agent reads them. */
const answerSchemas = { mission_get: missionToolMissionAnswerSchema, mission_create: missionToolCreatedSchema };

async function answer<T extends keyof typeof answerSchemas>(s: ToolSession, deps: ToolDeps, tool: T, input: Record<string, unknown>) {
  const r = await deps.relay.request({ ...s.ref, tool, input });
  if (!r.ok) throw new ToolError(r.code, r.message);
  const parsed = answerSchemas[tool].safeParse(r.result);
  if (!parsed.success) throw new ToolError('SU_ERR_UNAVAILABLE', `the control plane's answer to ${tool} was not understood; try again later`);
  return parsed.data as z.infer<(typeof answerSchemas)[T]>;
}

async function missionGet(s: ToolSession, deps: ToolDeps): Promise<Result> {
  const mission = await answer(s, deps, 'mission_get', {});
  // The docs as they stand in the worktree (what the agent wrote this run included).
  const docs: { path: string; content: string }[] = [];
  let size = JSON.stringify(mission).length;
  const cut: string[] = [];
  for (const path of await listMissionDocs(s.worktree, s.ref.missionId)) {
    const r = await readMissionDoc(s.worktree, s.ref.missionId, path).catch(() => undefined);
    if (r?.kind !== 'doc') continue;
    if (size + r.doc.content.length > maxGetChars) {
      cut.push(path);
      continue;
    }
    size += r.doc.content.length;
    docs.push({ path, content: r.doc.content });
  }
  const out = { ...mission, stage: s.stage, docs, ...(cut.length ? { clipped: `left out to stay under 256 KiB: ${cut.join(', ')} (read them from ${missionDocsRelDir(s.ref.missionId)})` } : {}) };
  return text(JSON.stringify(out, null, 2));
}

async function updateDocs(s: ToolSession, i: { path: string; content: string }): Promise<Result> {
  // The watcher sees the file like a hand edit and sends it: one path for both, so they agree.
  const rel = `${missionDocsRelDir(s.ref.missionId)}/${i.path}`;
  const r = await writeNoFollow(s.worktree, rel.split('/'), i.content);
  if (r.kind === 'symlink') throw new ToolError('SU_ERR_VALIDATION', `${r.path} is a symbolic link; the doc was not written`);
  return text(`written ${rel}; it is stored with the mission`);
}

async function setStage(s: ToolSession, stage: string, deps: ToolDeps): Promise<Result> {
  const at = s.stages.findIndex((x) => x.name === s.stage);
  const next = at >= 0 ? s.stages[at + 1]?.name : undefined;
  if (!next) throw new ToolError('SU_ERR_STAGE_INVALID', `${s.stage} is the flow's last stage; use mission_request_review to finish`);
  if (s.stages[at]!.requiresReview) {
    throw new ToolError('SU_ERR_STAGE_INVALID', `${s.stage} ends with a person's review before ${next}; finish with mission_request_review (or end your turn: the run stops for the review)`);
  }
  if (stage !== next) throw new ToolError('SU_ERR_STAGE_INVALID', `the next stage after ${s.stage} is ${next}, not ${stage}`);
  s.flags.stageCompleted = true;
  await deps.emit(s.ref, missionToolEventKinds.stageCompleted, { stage: s.stage, next });
  return text(`Stage ${s.stage} is complete; ${next} comes next. End your turn now.`);
}

async function create(s: ToolSession, i: { title: string; description?: string }, deps: ToolDeps): Promise<Result> {
  if (s.created >= missionCreateCapPerAttempt) {
    throw new ToolError('SU_ERR_MISSION_CREATE_CAP', `at most ${missionCreateCapPerAttempt} follow-up missions per run`);
  }
  // The key makes a retried request create one mission, not two.
  const created = await answer(s, deps, 'mission_create', { ...i, requestKey: newId() });
  s.created++;
  return text(JSON.stringify(created));
}
