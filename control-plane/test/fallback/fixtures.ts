import type { HttpClient } from '../helpers/http.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';

/** A project with a flow, an actor and a repository, ready for fallback templates. */
export async function fallbackProject(api: HttpClient, orgId?: string) {
  const org = orgId ?? (await createOrg(api)).id;
  const project = await createProject(api, org);
  const P = `/api/v1/projects/${project.id}`;
  const flow = (await api.post(`${P}/flows`, { name: 'default', stages: ['clarify', 'plan', 'execute'] })).body;
  const actor = (await api.post(`${P}/actors`, { name: 'Engineer' })).body;
  const repo = (await api.post(`${P}/repositories`, { url: `file:///tmp/repo-${project.id}` })).body;
  async function template(name: string, extra: Record<string, unknown> = {}) {
    const res = await api.post(`${P}/fallback/templates`, {
      name, flowId: flow.id, actorId: actor.id, repositoryId: repo.id, estimatedEffortMinutes: 60, ...extra,
    });
    if (res.status !== 201) throw new Error(`template: ${JSON.stringify(res.body)}`);
    return res.body as { id: string; name: string };
  }
  async function config(body: Record<string, unknown>) {
    const res = await api.put(`${P}/fallback/config`, body);
    if (res.status !== 200) throw new Error(`config: ${JSON.stringify(res.body)}`);
    return res.body;
  }
  /** Ready missions with the repository: the backlog counts only missions that can run. */
  async function readyMissions(n: number) {
    for (let i = 0; i < n; i++) await createMission(api, project.id, { title: `ready ${i}`, ready: true, repositoryId: repo.id });
  }
  /** Ready missions without a repository: they can never run, so they are no backlog. */
  async function readyMissionsWithoutRepository(n: number) {
    for (let i = 0; i < n; i++) await createMission(api, project.id, { title: `no repo ${i}`, ready: true });
  }
  return { orgId: org, project, P, flow, actor, repo, template, config, readyMissions, readyMissionsWithoutRepository };
}
