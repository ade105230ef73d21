import { connect } from 'node:net';
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

// Adversarial review of Idempotency-Key (#18) beyond the route fuzzing: header bytes fetch will
// not send (NUL, raw UTF-8, CR), duplicate headers, and many requests with one key at once.

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const missionCount = async () => (await queryRows<{ n: number }>(app.db, `SELECT count(*)::int AS n FROM missions WHERE project_id = '${project.id}'`))[0]!.n;

/** A POST written byte for byte on a socket, with `extraHeaders` as given. */
function rawPost(path: string, body: string, extraHeaders: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(app.baseUrl).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(text.split(' ')[1]), text });
    });
    const head = `POST ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${ADMIN_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), extraHeaders, Buffer.from(`\r\n${body}`, 'latin1')]));
  });
}

t.test('header bytes a browser never sends: 4xx, nothing created, no key stored', async (t) => {
  const before = await missionCount();
  const path = `/api/v1/projects/${project.id}/missions`;
  const cases: [string, Buffer][] = [
    ['NUL', Buffer.from('idempotency-key: abc\x00def\r\n', 'latin1')],
    ['raw UTF-8', Buffer.concat([Buffer.from('idempotency-key: '), Buffer.from('ключ-🦄', 'utf8'), Buffer.from('\r\n')])],
    ['lone CR', Buffer.from('idempotency-key: abc\rdef\r\n', 'latin1')],
    ['DEL', Buffer.from('idempotency-key: abc\x7fdef\r\n', 'latin1')],
    ['two headers', Buffer.from('idempotency-key: one\r\nidempotency-key: two\r\n', 'latin1')],
    ['obs-fold', Buffer.from('idempotency-key: abc\r\n def\r\n', 'latin1')],
    ['64 KiB', Buffer.from(`idempotency-key: ${'k'.repeat(65_536)}\r\n`, 'latin1')],
  ];
  for (const [what, header] of cases) {
    const res = await rawPost(path, JSON.stringify({ title: `key ${what}` }), header);
    t.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status}`);
  }
  t.equal(await missionCount(), before, 'no mission was created by any of them');
  t.same(await queryRows(app.db, 'SELECT key FROM idempotency_keys'), [], 'and no key was stored');
});

t.test('twelve requests with one key at once: the mission is created once; the others replay it or are told to retry', async (t) => {
  const before = await missionCount();
  const send = () => app.admin.request('POST', `/api/v1/projects/${project.id}/missions`, { title: 'exactly once' }, { 'idempotency-key': 'burst-1' });
  const answers = await Promise.all(Array.from({ length: 12 }, send));
  const statuses = answers.map((a) => a.status);
  t.same(statuses.filter((s) => s !== 201 && s !== 409), [], `only 201 and 409 (${statuses.join(',')})`);
  t.equal(await missionCount(), before + 1, 'one mission');
  const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
  t.equal(ids.size, 1, 'every 201 is the same mission');
  for (const a of answers.filter((x) => x.status === 409)) t.equal(a.body.error.code, 'SU_ERR_IDEMPOTENCY_IN_PROGRESS');
  const retry = await send();
  t.equal(retry.status, 201);
  t.equal(retry.headers.get('idempotent-replayed'), 'true', 'a retry afterwards replays the answer');
  t.ok(ids.has(retry.body.id));
});
