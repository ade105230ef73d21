import WebSocket from 'ws';
import type { Logger } from '../logger.ts';

export interface ConnectionOptions {
  /**
   * ws(s)://…/api/v1/workstations/connect, or several (control planes on one database): a lost
   * session or a failed dial moves on to the next, round robin, with the same backoff.
   */
  url: string | readonly string[];
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

/** Close codes of a control plane going away on purpose (draining, restarting): go elsewhere at once. */
const goingAway = new Set([1001, 1012]);
/** "At once" is a short random delay, so the daemons of a drained instance do not all land together. */
const QUICK_RECONNECT_MAX_MS = 250;

/**
 * One WebSocket to the control plane, reconnected forever with exponential backoff and full
 * jitter until stopped. It knows nothing of frames; liveness is checked on its own timer: no
 * inbound traffic (frames, pings) for `idleTimeoutMs` and the socket is cut and redialed.
 */
export class Connection {
  #socket: WebSocket | undefined;
  #attempt = 0;
  readonly #urls: readonly string[];
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #idleTimeoutMs = 45_000;
  #lastInbound = 0;
  #stopped = false;
  readonly #o: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.#urls = typeof options.url === 'string' ? [options.url] : options.url;
    if (this.#urls.length === 0) throw new Error('no control plane URL');
  }

  /** The URL dialed last (the one connected to, while connected). */
  get url() {
    return this.#urls[(this.#next + this.#urls.length - 1) % this.#urls.length]!;
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
    const url = this.#urls[this.#next]!;
    this.#next = (this.#next + 1) % this.#urls.length; // the next dial, after a loss, tries the next instance
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.#o.token}` }, handshakeTimeout: 15_000 });
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
      log.info({ url }, 'connected');
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
      // A healthy session closed by a control plane going away: reconnect at once (to the next
      // URL, or through the balancer to another instance); any other loss, or again, backs off.
      const random = this.#o.random ?? Math.random;
      const quick = goingAway.has(code) && this.#attempt === 0;
      const delay = quick ? Math.floor(random() * QUICK_RECONNECT_MAX_MS) : backoffDelay(this.#attempt, this.#o.backoff, random);
      this.#attempt++;
      log.info({ code, delayMs: delay, attempt: this.#attempt, next: this.#urls[this.#next] }, 'disconnected; reconnecting');
      this.#timer = setTimeout(() => this.#dial(), delay);
    });
  }
}
