export interface HttpResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface HttpClient {
  key?: string;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  get<T = any>(path: string): Promise<HttpResponse<T>>;
  post<T = any>(path: string, body?: unknown): Promise<HttpResponse<T>>;
  patch<T = any>(path: string, body?: unknown): Promise<HttpResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<HttpResponse<T>>;
  delete<T = any>(path: string): Promise<HttpResponse<T>>;
}

/** A tiny fetch wrapper: JSON in, JSON (or text) out, the bearer key attached. */
export function createHttpClient(baseUrl: string, key?: string): HttpClient {
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...headers } };
    if (key) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
    if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (e.g. /metrics): keep the text
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  }
  return {
    key,
    request,
    get: (p) => request('GET', p),
    post: (p, b = {}) => request('POST', p, b),
    patch: (p, b = {}) => request('PATCH', p, b),
    put: (p, b = {}) => request('PUT', p, b),
    delete: (p) => request('DELETE', p),
  };
}
