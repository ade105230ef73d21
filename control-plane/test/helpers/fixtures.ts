import type { HttpClient } from './http.ts';
import type { TestApp } from './app.ts';

/** Creates a user with an API key through the API (as the instance admin) and returns a client for them. */
export async function createUser(app: TestApp, email: string) {
  const user = await app.admin.post('/api/v1/users', { email });
  if (user.status !== 201) throw new Error(`create user: ${JSON.stringify(user.body)}`);
  const key = await app.admin.post('/api/v1/api-keys', { userId: user.body.id, name: email });
  return { id: user.body.id as string, key: key.body.key as string, client: app.as(key.body.key) };
}

export async function createOrg(client: HttpClient, name = 'Acme') {
  const res = await client.post('/api/v1/organizations', { name });
  if (res.status !== 201) throw new Error(`create org: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

export async function createProject(client: HttpClient, organizationId: string, extra: Record<string, unknown> = {}) {
  const res = await client.post('/api/v1/projects', { organizationId, name: `P ${Math.random()}`, ...extra });
  if (res.status !== 201) throw new Error(`create project: ${JSON.stringify(res.body)}`);
  return res.body as { id: string; organizationId: string };
}

export async function createMission(client: HttpClient, projectId: string, body: Record<string, unknown> = {}) {
  const res = await client.post(`/api/v1/projects/${projectId}/missions`, { title: 'A mission', ...body });
  if (res.status !== 201) throw new Error(`create mission: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any> & { id: string };
}
