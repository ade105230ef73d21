/** A thin fetch wrapper over `/api/v1`: the bearer key attached, `{error:{code,message}}` thrown as ApiError. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function createApi(key, { onUnauthorized } = {}) {
  async function request(method, path, body, headers = {}) {
    // No key: an anonymous reader (public views). An empty bearer would be refused, not read as none.
    const init = { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(`/api/v1${path}`, init);
    } catch {
      throw new ApiError(0, 'SU_ERR_NETWORK', 'cannot reach the control plane; check that it is running');
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (res.ok) return json;
    const error = json?.error ?? {};
    if (res.status === 401) onUnauthorized?.();
    throw new ApiError(res.status, error.code ?? `HTTP_${res.status}`, error.message ?? res.statusText, error.details);
  }

  /** Follows `nextCursor` (from `cursor`, if given) until the list ends (bounded: a board never needs more than `max`). */
  async function all(path, max = 5000, cursor = undefined) {
    const items = [];
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await request('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < max);
    return items;
  }

  // The board marks fallback runs and launches as its own (`triggeredBy: manual`, not `api`).
  const board = { 'x-solo-unicorn-client': 'board' };

  return {
    key,
    get: (path) => request('GET', path),
    all,
    projects: () => all('/projects'),
    project: (id) => request('GET', `/projects/${id}`),
    updateProject: (id, body) => request('PATCH', `/projects/${id}`, body),
    usage: (projectId) => request('GET', `/projects/${projectId}/usage?days=30`),
    missions: (projectId, list, cursor) => all(`/projects/${projectId}/missions?list=${list}`, 5000, cursor),
    /** One page of a column: `{ items, nextCursor }`. */
    missionsPage: (projectId, list, limit) => request('GET', `/projects/${projectId}/missions?list=${list}&limit=${limit}`),
    mission: (id) => request('GET', `/missions/${id}`),
    createMission: (projectId, body) => request('POST', `/projects/${projectId}/missions`, body),
    missionDocs: (id) => request('GET', `/missions/${id}/docs`),
    pullRequests: (id) => request('GET', `/missions/${id}/pull-requests`),
    attempts: (id) => request('GET', `/missions/${id}/attempts`),
    attemptSummaries: (projectId, missionIds) => request('GET', `/projects/${projectId}/attempt-summaries?missionIds=${missionIds.join(',')}`),
    updateMission: (id, body) => request('PATCH', `/missions/${id}`, body),
    move: (id, list, listOrder) => request('POST', `/missions/${id}/move`, listOrder === undefined ? { list } : { list, listOrder }),
    answer: (id, text) => request('POST', `/missions/${id}/answer`, { text }),
    post: (path, body) => request('POST', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body ?? {}),
    delete: (path) => request('DELETE', path),
    review: (id, decision, feedback) => request('POST', `/missions/${id}/review`, feedback ? { decision, feedback } : { decision }),
    fallbackMetrics: (projectId) => request('GET', `/projects/${projectId}/fallback/metrics?days=30`),
    fallbackArea: (projectId) => request('GET', `/projects/${projectId}/fallback/area`),
    launchTemplate: (projectId, templateId) => request('POST', `/projects/${projectId}/fallback/templates/${templateId}/launch`, {}, board),
    runFallback: (projectId) => request('POST', `/projects/${projectId}/fallback/runs`, {}, board),
    accept: (itemId) => request('POST', `/fallback/items/${itemId}/accept`, {}),
    discard: (itemId, feedback) => request('POST', `/fallback/items/${itemId}/discard`, feedback ? { feedback } : {}),
    workstations: (organizationId) => all(`/workstations?organizationId=${organizationId}`),
  };
}
