import { newId } from '@solo-unicorn/shared';
import { Writable } from 'node:stream';
import t from 'tap';
import { encodeCursor } from '../../src/lib/cursor.ts';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';

// What a hostile or clumsy caller sends: text PostgreSQL refuses, numbers past the columns'
// range, forged cursors, branch names git refuses. Each is a 400 naming the field, never a 500,
// and the answer (and the log) never echoes the value.
const logLines: string[] = [];
const stream = new Writable({ write(chunk, _enc, done) { logLines.push(chunk.toString()); done(); } });
const app = await startTestApp(t, { logger: { level: 'trace', stream } });
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const mission = await createMission(app.admin, project.id);

const SECRET_TEXT = 'hostile-marker-7f3a';

t.test('NUL or a lone surrogate in any body field is a 400 naming the field', async (t) => {
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', `/api/v1/projects/${project.id}/missions`, { title: `a\u0000${SECRET_TEXT}` }, /body\.title/],
    ['POST', `/api/v1/projects/${project.id}/missions`, { title: 'ok', description: `x\ud800${SECRET_TEXT}` }, /body\.description/],
    ['PATCH', `/api/v1/missions/${mission.id}`, { title: `\udfff${SECRET_TEXT}` }, /body\.title/],
    ['PATCH', `/api/v1/projects/${project.id}`, { memory: `notes\u0000${SECRET_TEXT}` }, /body\.memory/],
    ['POST', '/api/v1/organizations', { name: `Org\u0000${SECRET_TEXT}` }, /body\.name/],
  ];
  for (const [method, path, body, field] of cases) {
    const res = await app.admin.request(method, path, body);
    t.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
    t.match(res.body.error.message, field);
    t.notMatch(JSON.stringify(res.body), SECRET_TEXT, 'the answer does not echo the value');
  }
  // Well-formed text outside the BMP is fine.
  const ok = await app.admin.post(`/api/v1/projects/${project.id}/missions`, { title: 'unicorn 🦄 mission' });
  t.equal(ok.status, 201);
  t.equal(ok.body.title ?? ok.body.mission?.title, 'unicorn 🦄 mission');
});

t.test('NUL in a query value or a path segment is a 400, not a 500', async (t) => {
  const q = await app.admin.get(`/api/v1/projects/${project.id}/missions?cursor=%00`);
  t.equal(q.status, 400);
  t.match(q.body.error.message, /query\.cursor/);
  const p = await app.admin.get('/api/v1/missions/01AAAAAAAAAAAAAAAAAAAAAAA%00');
  t.equal(p.status, 400);
  t.match(p.body.error.message, /params\.missionId/);
});

t.test('numbers and cursors past what the columns hold are refused', async (t) => {
  const big = await app.admin.get(`/api/v1/missions/${mission.id}/events?after=2147483648`);
  t.equal(big.status, 400);
  t.equal(big.body.error.code, 'SU_ERR_VALIDATION');
  const forged = [
    [`/api/v1/missions/${mission.id}/events`, { s: 1e300 }],
    [`/api/v1/missions/${mission.id}/events`, { s: 2 ** 31 }],
    [`/api/v1/projects/${project.id}/missions`, { l: 'todo', o: 1e300, i: newId() }],
    [`/api/v1/projects/${project.id}/missions`, { l: 'todo', o: 1, i: `${'A'.repeat(25)}\u0000` }],
    [`/api/v1/projects/${project.id}/fallback/runs`, { s: '0000-01-01T00:00:00.000Z', i: newId() }],
    [`/api/v1/workstations`, { id: '\u0000'.repeat(26) }],
    [`/api/v1/projects`, { id: `${'\ud800'.repeat(26)}` }],
  ] as const;
  for (const [path, cursor] of forged) {
    const res = await app.admin.get(`${path}?cursor=${encodeCursor(cursor)}`);
    t.equal(res.status, 400, `${path} ${JSON.stringify(cursor)}`);
    t.equal(res.body.error.code, 'SU_ERR_CURSOR_INVALID');
  }
});

t.test('branch names git refuses are refused by the API', async (t) => {
  for (const targetBranch of ['-main', '@{-1}', 'main.lock', 'feature/.hidden', 'a..b', 'a b', 'trailing/', 'x\u0001y', '@', 'ends.']) {
    const res = await app.admin.post(`/api/v1/projects/${project.id}/missions`, { title: 't', targetBranch });
    t.equal(res.status, 400, JSON.stringify(targetBranch));
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
  }
  const repo = await app.admin.post(`/api/v1/projects/${project.id}/repositories`, { url: 'https://github.com/acme/x.git', defaultBranch: 'main.lock' });
  t.equal(repo.status, 400);
  for (const targetBranch of ['main', 'release/2026.12', 'feat/unicorn-🦄']) {
    const res = await app.admin.post(`/api/v1/projects/${project.id}/missions`, { title: 't', targetBranch });
    t.equal(res.status, 201, targetBranch);
  }
});

t.test('an event page is bounded in bytes as well as in count', async (t) => {
  const m = await createMission(app.admin, project.id);
  const big = 'x'.repeat(1024 * 1024); // ten 1 MiB events: a 500-event page would be 10 MiB
  await app.db.db.transaction(async (tx) => {
    const events = createMissionEventsRepository(tx);
    for (let i = 0; i < 10; i++) await events.append({ missionId: m.id, origin: 'agent', kind: 'docs.changed', data: { content: big, i } }, new Date());
  });
  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = await app.admin.get(`/api/v1/missions/${m.id}/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.status, 200);
    const bytes = Buffer.byteLength(JSON.stringify(res.body));
    t.ok(bytes < 6 * 1024 * 1024, `page ${pages} is ${bytes} bytes`);
    for (const e of res.body.items) if (e.kind === 'docs.changed') seen.push(e.data.i);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  t.same(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every event is reached by paging, in order, once');
  t.ok(pages >= 3, `split over ${pages} pages`);
});

t.test('no request above answered 500, and the log never carries the hostile values', async (t) => {
  const log = logLines.join('');
  t.notMatch(log, /"statusCode":5\d\d/);
  t.notMatch(log, SECRET_TEXT);
});
