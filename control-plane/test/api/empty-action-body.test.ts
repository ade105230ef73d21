import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';

// An action with nothing to say takes no body: `POST /fallback/items/:id/accept`, `…/revoke`,
// `…/launch` must work from curl with no `-d` and from clients that send `content-type: json`
// with an empty body. Every operation of the OpenAPI document whose body has no required field is
// called three ways (no body; JSON content type with an empty body; `{}`) and must answer the same,
// never a 400 about the body. Ids are well-formed and unknown, so a handler that runs answers 404.
const app = await startTestApp(t);

type Schema = { required?: string[]; type?: string | string[]; anyOf?: Schema[]; oneOf?: Schema[]; properties?: object };
const doc = (await app.admin.get('/docs/json')).body as { paths: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> } }>> };

const takesEmptyObject = (s: Schema | undefined): boolean => {
  if (!s) return true;
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf)!.some(takesEmptyObject);
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types.includes('object') && (s.required ?? []).length === 0;
};

const actions: { method: string; path: string }[] = [];
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    if (!['post', 'put', 'patch'].includes(method) || !op.requestBody) continue;
    if (!takesEmptyObject(op.requestBody.content?.['application/json']?.schema)) continue;
    actions.push({ method: method.toUpperCase(), path: path.replace(/\{\w+\}/g, () => newId()) });
  }
}

t.test('the OpenAPI document lists action routes whose body is optional', async (t) => {
  t.ok(actions.some((a) => /\/fallback\/items\/[^/]+\/accept$/.test(a.path)), 'accepting a fallback item is one of them');
  t.ok(actions.length >= 5, `${actions.length} such operations`);
});

t.test('an action without a body answers as with {}', async (t) => {
  const mismatches: string[] = [];
  for (const a of actions) {
    const url = `${app.baseUrl}${a.path}`;
    const call = (init: RequestInit) => fetch(url, { method: a.method, ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers ?? {}) } })
      .then(async (r) => ({ status: r.status, body: await r.text() }));
    const withObject = await call({ headers: { 'content-type': 'application/json' }, body: '{}' });
    const none = await call({});
    const emptyJson = await call({ headers: { 'content-type': 'application/json' }, body: '' });
    for (const [how, got] of [['no body', none], ['empty JSON body', emptyJson]] as const) {
      if (got.status !== withObject.status) mismatches.push(`${a.method} ${a.path} with ${how}: ${got.status} (with {}: ${withObject.status}) ${got.body.slice(0, 200)}`);
    }
  }
  t.same(mismatches, [], `${actions.length} operations called without a body`);
});
