import { makeFrame } from '@solo-unicorn/shared';
import type { TestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';

/** A project with a repository, and a workstation serving it, connected over the real protocol. */
export async function servedProject(app: TestApp, opts: { maxConcurrentMissions?: number; projectMax?: number; repository?: Record<string, unknown> } = {}) {
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, opts.projectMax ? { maxConcurrentMissions: opts.projectMax } : {});
  const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/remote-${project.id}.git`, ...opts.repository })).body;
  const reg = await api.post('/api/v1/workstations', { organizationId: org.id, name: `ws-${project.id}` });
  if (reg.status !== 201) throw new Error(JSON.stringify(reg.body));
  const workstationId = reg.body.workstation.id as string;
  await api.post(`/api/v1/projects/${project.id}/workstations`, { workstationId });
  async function connect() {
    const client = await connectRaw(app.baseUrl, reg.body.token);
    const h = hello(workstationId) as any;
    h.payload.maxConcurrentMissions = opts.maxConcurrentMissions ?? 2;
    client.send(h);
    await client.waitFor((f) => f.type === 'session.welcome', 'welcome');
    return client;
  }
  async function mission(body: Record<string, unknown> = {}) {
    const res = await api.post(`/api/v1/projects/${project.id}/missions`, { title: 'Do it', ready: true, repositoryId: repo.id, ...body });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    return res.body as { id: string; title: string };
  }
  return { org, project, repo, workstationId, token: reg.body.token as string, connect, mission };
}

/** The frames a daemon sends for an attempt: events, docs, then the terminal report. */
export function attemptFrames(assign: any) {
  let seq = 0;
  const base = () => ({ missionId: assign.payload.mission.id, attemptId: assign.payload.attemptId, leaseVersion: assign.payload.leaseVersion, seq: ++seq, at: new Date().toISOString() });
  return {
    accepted: () => makeFrame('mission.accepted', { attemptId: assign.payload.attemptId, leaseVersion: assign.payload.leaseVersion, agentType: 'custom' }),
    event: (kind: string, data: Record<string, unknown> = {}) => makeFrame('mission.event', { ...base(), kind, data }),
    docs: (path: string, content: string) => makeFrame('mission.docs', { ...base(), path, content, contentHash: `sha256:${'0'.repeat(64)}` }),
    finished: (status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out', extra: Record<string, unknown> = {}) =>
      makeFrame('mission.finished', { ...base(), status, ...extra }),
  };
}

/**
 * What a daemon does for a mission that ends with a pushed branch: waits for its assignment,
 * accepts it, reports success with the branch (and `headCommit`, when given), and waits for the ack.
 */
export async function pushMissionBranch(client: { waitFor(match: (f: any) => boolean, what?: string): Promise<any>; send(frame: unknown): void }, missionId: string, headCommit?: string) {
  const assign = await client.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch, ...(headCommit ? { headCommit } : {}) }));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId && a.seq >= 1), 'ack of the finish');
  return assign;
}
