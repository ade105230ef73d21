// The outbound-URL policy and the fetch built on it, against real sockets on loopback: what the
// control plane refuses to call (and so never sends a token to), whatever the URL's spelling.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createOutboundFetch } from '../../src/lib/outbound-fetch.ts';
import { loadConfig } from '../../src/config.ts';
import { createOutboundPolicy, isAllowEntry, OutboundUrlRefused } from '../../src/lib/outbound-url.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

/** A server that records every request it gets; `reply` answers them (default 200 `{}`). */
async function trap(t: Test, host = '127.0.0.1', reply?: (path: string) => { status: number; headers?: Record<string, string> }) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const r = reply?.(req.url ?? '') ?? { status: 200 };
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { seen, port: (server.address() as AddressInfo).port };
}

const strict = createOutboundPolicy();

t.test('refuses loopback, private, link-local and unspecified targets in every spelling', async (t) => {
  for (const url of [
    'https://127.0.0.1/', 'https://127.9.9.9/', 'https://localhost/', 'https://LOCALHOST./', 'https://api.localhost/',
    'https://2130706433/', 'https://0x7f.1/', 'https://0177.0.0.1/', 'https://127.1/', 'https://127.0.0.1./', 'https://%31%32%37.0.0.1/',
    'https://api.github.com@127.0.0.1/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/', 'https://[::ffff:10.0.0.1]/',
    'https://[64:ff9b::a9fe:a9fe]/', 'https://[2002:7f00:1::]/', 'https://0.0.0.0/', 'https://0/', 'https://[::]/',
    'https://10.1.2.3/', 'https://172.16.0.1/', 'https://172.31.255.255/', 'https://192.168.1.1/', 'https://100.64.0.1/',
    'https://[fd00::1]/', 'https://[fc00::1]/', 'https://169.254.169.254/latest/meta-data/', 'https://[fe80::1]/',
    'https://224.0.0.1/', 'https://255.255.255.255/',
  ]) {
    t.throws(() => strict.check(url), OutboundUrlRefused, url);
  }
});

t.test('refuses http (the token would travel in clear), other schemes and credentials in the URL', async (t) => {
  for (const url of ['http://api.github.com/', 'ftp://api.github.com/', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'https://user:ghp_secret@api.github.com/']) {
    t.throws(() => strict.check(url), OutboundUrlRefused, url);
  }
  try {
    strict.check('https://x-access-token:ghp_tokenInUrl123@ghe.example.com/api/v3');
    t.fail('refused');
  } catch (error) {
    t.notOk(String((error as Error).message).includes('ghp_tokenInUrl123'), 'the message does not repeat what the URL carried');
  }
});

t.test('allows public https hosts and addresses', async (t) => {
  for (const url of ['https://api.github.com', 'https://ghe.example.com/api/v3', 'https://140.82.112.6/', 'https://[2606:4700::1111]/', 'https://172.32.0.1/', 'https://[::ffff:8.8.8.8]/']) {
    t.equal(strict.check(url).protocol, 'https:', url);
  }
});

t.test('an operator allow-list opens exactly the hosts and ranges it names, http included', async (t) => {
  const policy = createOutboundPolicy(['127.0.0.1', '10.0.0.0/8', 'ghe.corp']);
  t.ok(policy.check('http://127.0.0.1:8080/api/v3'));
  t.ok(policy.check('https://10.20.30.40/api/v3'));
  t.ok(policy.check('http://ghe.corp/api/v3'));
  t.throws(() => policy.check('http://127.0.0.2/'), OutboundUrlRefused, 'another loopback address');
  t.throws(() => policy.check('http://localhost/'), OutboundUrlRefused, 'a name the list does not carry');
  t.throws(() => policy.check('https://192.168.0.1/'), OutboundUrlRefused, 'a range the list does not carry');
  t.throws(() => policy.check('http://api.github.com/'), OutboundUrlRefused, 'http to a host not listed');
  for (const bad of ['10.0.0.0/33', '1.2.3.4/x', 'a b', 'http://x', '::1/129']) t.notOk(isAllowEntry(bad), bad);
  for (const good of ['10.0.0.0/8', '::1', 'fd00::/8', 'ghe.example.com', 'ghe.example.com.']) t.ok(isAllowEntry(good), good);
});

t.test('a name that resolves to a private address is refused at resolution, and never connected to', async (t) => {
  await t.rejects(strict.addressesOf('localhost'), OutboundUrlRefused, 'localhost resolves to loopback');
  const { seen, port } = await trap(t);
  const fetchStrict = createOutboundFetch(strict);
  for (const url of [`http://127.0.0.1:${port}/`, `https://127.0.0.1:${port}/`, `https://localhost:${port}/`, `https://2130706433:${port}/`, `https://api.github.com@127.0.0.1:${port}/`]) {
    await t.rejects(fetchStrict(url, { headers: { authorization: 'token ghp_x' } }), OutboundUrlRefused, url);
  }
  t.equal(seen.length, 0, 'the loopback server saw no request');
});

t.test('an allow-listed host is called, with the response passed through', async (t) => {
  const { seen, port } = await trap(t, '127.0.0.1', () => ({ status: 201, headers: { etag: 'W/"1"' } }));
  const res = await createOutboundFetch(createOutboundPolicy(['127.0.0.1']))(`http://127.0.0.1:${port}/repos/a/b/pulls`, { method: 'POST', body: '{"title":"x"}', headers: { authorization: 'token ghp_x' } });
  t.equal(res.status, 201);
  t.equal(res.headers.get('etag'), 'W/"1"');
  t.same(await res.json(), {});
  t.equal(seen.length, 1);
  t.equal(seen[0]!.headers.authorization, 'token ghp_x');
});

t.test('a redirect to a refused address is not followed; one to another allowed origin drops the token', async (t) => {
  const target = await trap(t, '127.0.0.2');
  const redirector = await trap(t, '127.0.0.1', () => ({ status: 302, headers: { location: `http://127.0.0.2:${target.port}/next` } }));
  const onlyFirst = createOutboundFetch(createOutboundPolicy(['127.0.0.1']));
  await t.rejects(onlyFirst(`http://127.0.0.1:${redirector.port}/`, { headers: { authorization: 'token ghp_x' } }), OutboundUrlRefused);
  t.equal(target.seen.length, 0, 'the refused hop got nothing');

  const both = createOutboundFetch(createOutboundPolicy(['127.0.0.1', '127.0.0.2']));
  const res = await both(`http://127.0.0.1:${redirector.port}/`, { headers: { authorization: 'token ghp_x' } });
  t.equal(res.status, 200);
  t.equal(target.seen.length, 1);
  t.equal(target.seen[0]!.headers.authorization, undefined, 'the token does not follow a redirect to another origin');
});

t.test('links shown to people are http(s) only; http only to listed hosts', async (t) => {
  t.equal(strict.link('https://github.com/acme/app/pull/7'), 'https://github.com/acme/app/pull/7');
  for (const bad of ['javascript:alert(document.cookie)', 'JAVASCRIPT:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'http://github.com/x', 'https://u:p@github.com/x', '//evil.example/x', 42, null]) {
    t.equal(strict.link(bad), undefined, String(bad));
  }
  t.equal(createOutboundPolicy(['ghe.corp']).link('http://ghe.corp/acme/app/pull/1'), 'http://ghe.corp/acme/app/pull/1');
});

t.test('SU_OUTBOUND_ALLOW is parsed at start-up, and SU_GITHUB_API_URL must pass the same policy', async (t) => {
  const env = { SU_DATA_DIR: '/tmp/su-outbound-config-test' };
  t.same(loadConfig(env).outboundAllow, [], 'nothing private is allowed by default');
  t.equal(loadConfig(env).githubApiUrl, 'https://api.github.com');
  t.same(loadConfig({ ...env, SU_OUTBOUND_ALLOW: ' 127.0.0.1, 10.0.0.0/8 ,ghe.corp' }).outboundAllow, ['127.0.0.1', '10.0.0.0/8', 'ghe.corp']);
  t.throws(() => loadConfig({ ...env, SU_OUTBOUND_ALLOW: '10.0.0.0/99' }), { name: 'Error', message: /SU_OUTBOUND_ALLOW/ });
  t.throws(() => loadConfig({ ...env, SU_GITHUB_API_URL: 'http://127.0.0.1:9999' }), { message: /SU_GITHUB_API_URL uses http/ });
  t.throws(() => loadConfig({ ...env, SU_GITHUB_API_URL: 'https://169.254.169.254' }), { message: /SU_GITHUB_API_URL points to 169\.254\.169\.254/ });
  t.equal(loadConfig({ ...env, SU_GITHUB_API_URL: 'http://127.0.0.1:9999/', SU_OUTBOUND_ALLOW: '127.0.0.1' }).githubApiUrl, 'http://127.0.0.1:9999');
});
