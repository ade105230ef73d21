import WebSocket from 'ws';

/** A monitoring-socket client for tests: waits on frames, never on time. */
export async function realtimeClient(baseUrl: string, key: string) {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/realtime`, { headers: { authorization: `Bearer ${key}` } });
  const frames: any[] = [];
  const waiters: { test: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw));
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.test(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (test: (f: any) => boolean) => {
    const seen = frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise<any>((resolve) => waiters.push({ test, resolve }));
  };
  return {
    ws,
    frames,
    closed,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next,
    messages: (channel: string) => frames.filter((f) => f.type === 'message' && f.channel === channel),
    async subscribe(channel: string, cursor?: string) {
      ws.send(JSON.stringify({ type: 'subscribe', channel, ...(cursor ? { cursor } : {}) }));
      return next((f) => f.channel === channel && (f.type === 'subscribed' || f.type === 'error'));
    },
    /** Resolves once `n` messages of the channel have arrived. */
    async until(channel: string, n: number) {
      while (frames.filter((f) => f.type === 'message' && f.channel === channel).length < n) {
        await next((f) => f.type === 'message' && f.channel === channel && !f.__counted && (f.__counted = true));
      }
    },
    close: () => ws.close(),
  };
}
