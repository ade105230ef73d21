import WebSocket from 'ws';
import type { Logger } from '../logger.ts';

export interface ConnectionOptions {
  /** ws(s)://…/api/v1/workstations/connect */
  url: string;
  token: string;
  log: Logger;
  backoff: { baseMs: number; maxMs: number };
  /** Called with each opened socket's send function; the handlers say hello. */
  onOpen(send: (text: string) => boolean): void;
  onMessage(text: string): void;
  onClose(info: { code: number; reason: string }): void;
  /** A refusal that retrying cannot fix (auth refused): the daemon exits with this line. */
  onFatal(message: string): void;
  random?: () => number;
}

/** Full jitter: a uniform delay in [0, min(max, base·2^attempt)] (AWS architecture blog). */
export function backoffDelay(attempt: number, b: { baseMs: number; maxMs: number }, random = Math.random) {
  return Math.floor(random() * Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30)));
}

/**
 * One WebSocket to the control plane, reconnected forever with exponential backoff and full
 * jitter until stopped. It knows nothing of frames; liveness is checked on its own timer: no
 * inbound traffic (frames, pings) for `idleTimeoutMs` and the socket is cut and redialed.
 */
export class Connection {
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #idleTimeoutMs = 45_000;
  #lastInbound = 0;
  #stopped = false;
  readonly #o: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.#o = options;
  }

  get connected() {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  start() {
    this.#stopped = false;
    this.#dial();
  }

  /** The server said hello back: the next outage starts the backoff from the beginning again. */
  markHealthy(heartbeatIntervalMs: number) {
    this.#attempt = 0;
    this.#idleTimeoutMs = heartbeatIntervalMs * 3;
  }

  send(text: string): boolean {
    const s = this.#socket;
    if (s?.readyState !== WebSocket.OPEN) return false;
    s.send(text);
    return true;
  }

  /** Drops the current socket (e.g. to resend after a gap); the reconnect loop dials again. */
  cut(reason: string) {
    this.#o.log.warn({ reason }, 'cutting the connection');
    this.#socket?.terminate();
  }

  async stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#idle);
    const s = this.#socket;
    if (!s || s.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.close(1000, 'daemon stopping');
      setTimeout(() => s.terminate(), 2000).unref();
    });
  }

  #dial() {
    if (this.#stopped) return;
    const log = this.#o.log;
    const socket = new WebSocket(this.#o.url, { headers: { authorization: `Bearer ${this.#o.token}` }, handshakeTimeout: 15_000 });
    this.#socket = socket;
    let fatal = false;
    socket.on('unexpected-response', (req, res) => {
      req.destroy();
      if (res.statusCode === 401 || res.statusCode === 403) {
        fatal = true;
        this.#o.onFatal(`the control plane refused this workstation's token (HTTP ${res.statusCode}): it was revoked or is wrong; register again with \`solo-unicorn workstation register\``);
      } else {
        log.warn({ status: res.statusCode }, 'connect refused; retrying');
      }
      socket.terminate();
    });
    socket.on('open', () => {
      this.#lastInbound = Date.now();
      log.info({ url: this.#o.url }, 'connected');
      clearInterval(this.#idle);
      this.#idle = setInterval(() => {
        if (Date.now() - this.#lastInbound > this.#idleTimeoutMs) this.cut('no traffic from the control plane');
      }, 1000);
      this.#idle.unref();
      this.#o.onOpen((text) => this.send(text));
    });
    socket.on('ping', () => (this.#lastInbound = Date.now()));
    socket.on('message', (data, isBinary) => {
      this.#lastInbound = Date.now();
      try {
        this.#o.onMessage(isBinary ? '' : data.toString());
      } catch (err) {
        log.error({ err }, 'message handler failed');
      }
    });
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    socket.on('close', (code, reason) => {
      clearInterval(this.#idle);
      if (this.#socket === socket) this.#socket = undefined;
      try {
        this.#o.onClose({ code, reason: reason.toString() });
      } catch (err) {
        log.error({ err }, 'close handler failed');
      }
      if (this.#stopped || fatal) return;
      const delay = backoffDelay(this.#attempt++, this.#o.backoff, this.#o.random);
      log.info({ code, delayMs: delay, attempt: this.#attempt }, 'disconnected; reconnecting');
      this.#timer = setTimeout(() => this.#dial(), delay);
    });
  }
}
