import { createServer, connect, type Socket } from 'node:net';

/** A loopback TCP proxy (port 0) whose live connections can be cut at any moment. */
export async function startProxy(targetPort: number) {
  const pairs = new Set<[Socket, Socket]>();
  let cuts = 0;
  let clientBytes = 0;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => (clientBytes += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get cuts() {
      return cuts;
    },
    /** Bytes the clients have sent through the proxy so far. */
    get clientBytes() {
      return clientBytes;
    },
    /**
     * Stops passing what the server sends on every live connection (its data waits in the
     * proxy), while what the client sends still goes through: a server whose answers never arrive.
     */
    holdReplies() {
      for (const [client, upstream] of pairs) {
        upstream.unpipe(client);
        upstream.pause();
      }
    },
    /** Drops every live connection abruptly (RST), as a flaky network would. */
    cutAll() {
      for (const [a, b] of pairs) {
        a.resetAndDestroy();
        b.resetAndDestroy();
        cuts++;
      }
      pairs.clear();
    },
    async close() {
      this.cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
