import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clipText, makeFrame, type MissionAssignFrame } from '@solo-unicorn/shared';
import { agentInfo, detectAgents, type DetectedAgent, runnableAgents } from './agents/detect.ts';
import { resolveAgent } from './agents/registry.ts';
import { createAgentLedger } from './missions/agent-ledger.ts';
import { createMissionRunner } from './missions/runner.ts';
import { createAgentTools } from './mcp/index.ts';
import { createRepositoryStore, createWorktreePool } from './worktrees/index.ts';
import type { DaemonConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { Connection } from './session/connection.ts';
import { createSessionHandlers } from './session/handlers.ts';
import { type AttemptRef, openOutbox } from './session/outbox.ts';
import { acquireLock, type DaemonState, writeState } from './state-file.ts';

/** Why the daemon stopped: 0 clean, 3 a fatal refusal (auth, revoked, protocol version). */
export interface Exit {
  code: number;
  message?: string;
}

/**
 * The only file that wires the parts: outbox + connection + protocol handlers + agents,
 * heartbeats, the state file for `status`, and the shutdown ladder.
 */
export async function createDaemon(config: DaemonConfig, log: Logger) {
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const releaseLock = acquireLock(config.home);
  const outbox = openOutbox(join(config.home, 'outbox.jsonl'));
  const agents = await detectAgents(config);
  const runnable = runnableAgents(agents);
  const store = createRepositoryStore({ home: config.home, log: log.child({ component: 'repositories' }) });
  const pool = await createWorktreePool({
    home: config.home, store, maxWorktreesPerRepo: Math.max(config.worktrees.perRepo, config.maxConcurrentMissions),
    diskCapBytes: config.worktrees.diskCapBytes, keepPaths: ['node_modules', '.venv', 'target'], log: log.child({ component: 'worktrees' }),
    onDiskUsage: () => reportInventory(), // the board shows each workstation's disk use
  });
  // A previous daemon process that died mid-mission: stop its agents and report those attempts
  // (a transient failure: the control plane retries them) before taking new work.
  const ledger = createAgentLedger(config.home);
  const orphans = await ledger.stopLeftovers(config.agentTimeouts.killGraceMs);
  for (const held of outbox.held().filter((a) => a.state === 'running' && orphans.includes(a.attemptId))) {
    const ref = { attemptId: held.attemptId, missionId: held.missionId, leaseVersion: held.leaseVersion };
    await outbox.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status: 'failed', reason: 'the daemon restarted while the attempt ran; its agent was stopped' } });
    log.warn({ attemptId: held.attemptId }, 'attempt interrupted by a daemon restart reported as failed');
  }
  // The agent tools' loopback endpoint (MCP); calls needing the control plane go over the session.
  const tools = await createAgentTools({
    version: config.version, log: log.child({ component: 'mcp' }),
    emit: (ref, kind, data) => outbox.append(ref, { type: 'mission.event', payload: { kind, at: new Date().toISOString(), data } }),
    send: (frame) => handlers.send(frame),
    connected: () => handlers.welcomed,
  });
  const runner = createMissionRunner({
    tools,
    home: config.home, log: log.child({ component: 'missions' }), agents: runnable, pool, store, ledger,
    allowFullAgentPermissions: config.allowFullAgentPermissions,
    onPoolChange: () => reportInventory(),
    identity: { name: 'Solo Unicorn', email: 'agent@solo-unicorn.invalid' },
    timeouts: { ...config.agentTimeouts, docsDebounceMs: 200 },
    emit: (ref, kind, data) => outbox.append(ref, { type: 'mission.event', payload: { kind, at: new Date().toISOString(), data } }),
    doc: (ref, doc) => outbox.append(ref, { type: 'mission.docs', payload: { at: new Date().toISOString(), path: doc.path, content: doc.content, contentHash: doc.contentHash } }),
    finish: (ref, status, extra) => {
      tools.forget(ref.attemptId); // the attempt is over: whether it asked for review no longer matters
      return outbox.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status, reason: extra.reason === undefined ? undefined : clipText(extra.reason, 4000), branch: extra.branch, headCommit: extra.headCommit, limitedUntil: extra.limitedUntil } });
    },
  });
  const startedAt = new Date().toISOString();
  let draining = false;
  let stopping = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let resolveExit!: (exit: Exit) => void;
  const exited = new Promise<Exit>((resolve) => (resolveExit = resolve));
  const state: DaemonState = {
    pid: process.pid, startedAt, serverUrl: config.serverUrl, workstationId: config.workstationId, connected: false, since: startedAt,
    sessionId: null, draining: false, missionsRunning: 0, outboxDepth: outbox.depth, updatedAt: startedAt,
  };
  const runningAttempts = () => outbox.held().filter((a) => a.state === 'running').length;

  let stateTimer: NodeJS.Timeout | undefined;
  function saveState(now = false) {
    const write = () => {
      stateTimer = undefined;
      Object.assign(state, { draining, missionsRunning: runningAttempts(), outboxDepth: outbox.depth, updatedAt: new Date().toISOString() });
      try {
        writeState(config.home, state);
      } catch (err) {
        log.warn({ err }, 'could not write the state file');
      }
    };
    if (now) return write();
    stateTimer ??= setTimeout(write, 250);
  }

  /** Tells the control plane what this workstation holds (debounced: only the latest matters). */
  let inventoryTimer: NodeJS.Timeout | undefined;
  function reportInventory(now = false) {
    const send = () => {
      inventoryTimer = undefined;
      const trees = pool.list();
      const states = { free: 'free', leased: 'in_use', kept: 'dirty' } as const;
      handlers.send(makeFrame('workstation.inventory', {
        repositories: [...new Set(trees.map((w) => w.repositoryId))].map((repositoryId) => ({ repositoryId, localPath: store.pathOf(repositoryId) })),
        worktrees: trees.map((w) => ({
          path: w.path, repositoryId: w.repositoryId, branch: w.branch ?? null, state: states[w.state], missionId: w.missionId ?? null,
          attemptId: w.attemptId ?? null, lastUsedAt: w.lastUsedAt ?? null, sizeBytes: w.sizeBytes ?? null,
        })),
      }));
    };
    if (now) return send();
    inventoryTimer ??= setTimeout(send, 200);
  }

  const handlers = createSessionHandlers({
    outbox, log,
    info: { workstationId: config.workstationId, daemonVersion: config.version, agents: agents.map(agentInfo), maxConcurrentMissions: config.maxConcurrentMissions },
    isDraining: () => draining,
    onWelcome(w) {
      connection.markHealthy(w.heartbeatIntervalMs);
      Object.assign(state, { connected: true, since: new Date().toISOString(), sessionId: w.sessionId });
      saveState(true);
      reportInventory(true);
      clearInterval(heartbeat);
      heartbeat = setInterval(() => {
        handlers.send(makeFrame('session.heartbeat', { at: new Date().toISOString(), runningAttempts: runningAttempts(), outboxDepth: outbox.depth, draining }));
        saveState();
      }, w.heartbeatIntervalMs);
    },
    onAssign(frame: MissionAssignFrame, reply) {
      const { attemptId, leaseVersion, agentType } = frame.payload;
      if (runner.has(attemptId)) return; // a resent assignment of what already runs here
      const merge = frame.payload.purpose === 'merge'; // git only: no agent needed
      const unsupported = merge ? undefined : unsupportedFor(agents, agentType);
      const agent = merge || unsupported ? undefined : resolveAgent(runnable, agentType);
      const reason = draining ? 'draining' : unsupported ? 'unsupported' : !merge && !agent ? 'agent_not_installed' : runner.count >= config.maxConcurrentMissions ? 'no_capacity' : undefined;
      if (reason) {
        const message = reason === 'unsupported' ? `${unsupported!.type} ${unsupported!.detail ?? 'is an unsupported version'}` : undefined;
        reply(JSON.stringify(makeFrame('mission.declined', { attemptId, leaseVersion, reason, ...(message ? { message } : {}) })));
        return;
      }
      const agentName = merge ? 'git' : agent!.agent.name;
      reply(JSON.stringify(makeFrame('mission.accepted', { attemptId, leaseVersion, agentType: agentName })));
      log.info({ attemptId, missionId: frame.payload.mission.id, agent: agentName, purpose: frame.payload.purpose }, 'mission accepted');
      runner.start(frame.payload);
      saveState();
    },
    onCancel(frame) {
      void runner.cancel(frame.payload.attemptId, frame.payload.reason).then((found) => {
        if (!found) log.info({ attemptId: frame.payload.attemptId }, 'cancel for an attempt not running here');
      });
    },
    onFatal: (message) => fail(message),
    onResync: (reason) => connection.cut(reason),
    tools,
  });

  const connection = new Connection({
    url: (config.serverUrls ?? [config.serverUrl]).map((u) => `${u.replace(/^http/, 'ws')}/api/v1/workstations/connect`),
    token: config.token,
    log: log.child({ component: 'connection' }),
    backoff: config.reconnect,
    onOpen: (send) => handlers.opened(send),
    onMessage: (text) => handlers.message(text),
    onClose() {
      handlers.closed();
      clearInterval(heartbeat);
      if (state.connected) Object.assign(state, { connected: false, since: new Date().toISOString(), sessionId: null });
      saveState(true);
    },
    onFatal: (message) => fail(message),
  });
  outbox.onDurable(() => saveState());

  async function finish(exit: Exit) {
    if (stopping) return;
    stopping = true;
    clearInterval(heartbeat);
    clearTimeout(stateTimer);
    clearTimeout(inventoryTimer);
    await connection.stop();
    await pool.close().catch(() => {});
    await tools.close().catch(() => {});
    Object.assign(state, { connected: false, since: new Date().toISOString(), sessionId: null });
    saveState(true);
    await outbox.close();
    releaseLock();
    resolveExit(exit);
  }
  function fail(message: string) {
    log.error({ problem: message }, 'fatal: stopping');
    void finish({ code: 3, message });
  }

  return {
    outbox,
    agents,
    exited,
    start() {
      saveState(true);
      connection.start();
      log.info({ workstationId: config.workstationId, serverUrl: config.serverUrl, agents: agents.map((a) => a.type), outboxDepth: outbox.depth }, 'daemon started');
      for (const a of agents.filter((x) => x.status === 'unsupported')) log.warn({ agent: a.type, version: a.version, detail: a.detail }, 'agent version unsupported: it will run no missions');
    },

    /** Records an agent event durably; it is sent as soon as it is on disk and a session is open. */
    emit(ref: AttemptRef, kind: string, data: Record<string, unknown>) {
      return outbox.append(ref, { type: 'mission.event', payload: { kind, at: new Date().toISOString(), data } });
    },

    finishAttempt(ref: AttemptRef, status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out', reason?: string) {
      return outbox.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status, reason } });
    },

    /**
     * The signal ladder: 1st stop taking work and let running missions finish (then exit);
     * 2nd cancel them; 3rd exit at once.
     */
    signal(count: number) {
      if (count === 1) {
        draining = true;
        saveState(true);
        log.info({ running: runningAttempts() }, 'draining: no new work; waiting for running missions (signal again to cancel them)');
        void waitForIdle().then(() => finish({ code: 0 }));
      } else if (count === 2) {
        log.warn('cancelling running missions (signal again to exit now)');
        void runner.cancelAll('the daemon is stopping').then(() => waitForIdle()).then(() => finish({ code: 0 }));
      } else {
        log.warn('exiting now');
        releaseLock();
        resolveExit({ code: 130 });
      }
    },

    stop: () => finish({ code: 0 }),
  };

  /**
   * Running missions done and their reports acknowledged; the wait for acks is bounded so that a
   * dead control plane cannot hold us: the outbox keeps the rest.
   */
  async function waitForIdle() {
    await runner.idle();
    const deadline = Date.now() + 10_000;
    while (outbox.depth > 0 && connection.connected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
export type Daemon = Awaited<ReturnType<typeof createDaemon>>;

/**
 * The unsupported agent an assignment would run: the one it names, or, when it names none and no
 * runnable agent is left, the first found. Declined as `unsupported` rather than run or swapped
 * for another agent, so the control plane learns why.
 */
function unsupportedFor(agents: readonly DetectedAgent[], agentType: string | null): DetectedAgent | undefined {
  const named = agentType ? agents.find((a) => a.type === agentType) : undefined;
  if (named) return named.status === 'unsupported' ? named : undefined;
  if (runnableAgents(agents).length > 0) return undefined;
  return agents.find((a) => a.status === 'unsupported');
}
