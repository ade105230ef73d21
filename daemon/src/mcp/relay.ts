import { makeFrame, type ToolRequestFrame, type ToolResponseFrame } from '@solo-unicorn/shared';

type Answer = { ok: true; result: unknown } | { ok: false; code: string; message: string };

/**
 * `tool.request` → `tool.response` over the daemon's session: each request waits for the answer
 * with its id, at most `timeoutMs`; a lost connection fails every request in flight. Not
 * sequenced: a read or a create needs a value back, and a retried create carries the same key.
 */
export function createToolRelay(opts: { send(frame: unknown): boolean; connected(): boolean; timeoutMs?: number }) {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const pending = new Map<string, { resolve(a: Answer): void; timer: NodeJS.Timeout }>();
  const unreachable: Answer = { ok: false, code: 'SU_ERR_UNAVAILABLE', message: 'the control plane is unreachable; try again later' };

  return {
    request(payload: ToolRequestFrame['payload']): Promise<Answer> {
      if (!opts.connected()) return Promise.resolve(unreachable);
      const frame = makeFrame('tool.request', payload);
      return new Promise<Answer>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(frame.id);
          resolve(unreachable);
        }, timeoutMs);
        pending.set(frame.id, { resolve, timer });
        if (!opts.send(frame)) {
          clearTimeout(timer);
          pending.delete(frame.id);
          resolve(unreachable);
        }
      });
    },

    /** A `tool.response` from the control plane. */
    answered(p: ToolResponseFrame['payload']) {
      const waiting = pending.get(p.refId);
      if (!waiting) return;
      pending.delete(p.refId);
      clearTimeout(waiting.timer);
      waiting.resolve(p.ok ? { ok: true, result: p.result } : { ok: false, code: p.error?.code ?? 'SU_ERR_INTERNAL', message: p.error?.message ?? 'the request failed' });
    },

    /** A `tool.request` the server refused at the frame level (rate limit, bad frame). */
    refused(refId: string, code: string, message: string) {
      const waiting = pending.get(refId);
      if (!waiting) return false;
      pending.delete(refId);
      clearTimeout(waiting.timer);
      waiting.resolve({ ok: false, code, message });
      return true;
    },

    /** The connection closed: nothing in flight will be answered. */
    disconnected() {
      for (const [id, w] of pending) {
        clearTimeout(w.timer);
        w.resolve(unreachable);
        pending.delete(id);
      }
    },
  };
}
export type ToolRelay = ReturnType<typeof createToolRelay>;
