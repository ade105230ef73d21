// HAProxy (Debian's package) in front of control planes on loopback, started by a test: the
// shipped deploy/haproxy.cfg's routing (leastconn, checks on /readyz, long WebSocket tunnels,
// redispatch on a refused connection) with checks fast enough for a test to wait on.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';

export const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0;

/** A port nobody listens on now: HAProxy needs each server's port before the server starts. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Starts HAProxy on a free port with one server per port (`cp1`, `cp2`, …). Every response
 * carries `x-backend: <server>`, so a test can see where the balancer sent a request or a socket.
 */
export async function startHaproxy(t: Test, dir: string, serverPorts: number[]) {
  const port = await freePort();
  const cfg = `
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  timeout http-request 10s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503

frontend control_plane
  bind 127.0.0.1:${port}
  default_backend control_planes

backend control_planes
  balance leastconn
  option httpchk
  http-check send meth GET uri /readyz
  http-check expect status 200
  http-response set-header x-backend %s
  # Slow answers under load are not deaths: a check may take 3 s; 3 misses in a row take a server out.
  timeout check 3s
  default-server inter 1s fall 3 rise 2
${serverPorts.map((p, i) => `  server cp${i + 1} 127.0.0.1:${p} check`).join('\n')}
`;
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  t.teardown(() => void child.kill('SIGKILL'));
  return { url: `http://127.0.0.1:${port}`, child, stderr: () => stderr };
}
