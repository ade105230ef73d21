import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where the control plane may send requests (and a token) on a user's say-so: a project's GitHub
 * `apiBaseUrl`, and the links GitHub hands back. Public https only; loopback, private, link-local
 * and other special addresses are refused, whatever the spelling (`http://2130706433`, `0x7f.1`,
 * `[::ffff:127.0.0.1]`, `localhost.`, `https://api.github.com@127.0.0.1`), unless the operator
 * allows a host or range with SU_OUTBOUND_ALLOW (GitHub Enterprise on a private network, tests).
 * http is allowed only to a host the allow-list names (by name, address or range).
 */

/** A URL the policy refuses; the message names the host, never the rest of the URL. */
export class OutboundUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundUrlRefused';
  }
}

const RANGES: [label: string, cidrs: string[]][] = [
  ['a loopback address', ['127.0.0.0/8', '::1/128']],
  ['a private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fec0::/10']],
  ['a link-local address (cloud metadata lives there)', ['169.254.0.0/16', 'fe80::/10']],
  ['an unspecified or reserved address', ['0.0.0.0/8', '192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4', '::/96']],
  ['a multicast address', ['224.0.0.0/4', 'ff00::/8']],
];
const SPECIAL = RANGES.map(([label, cidrs]) => {
  const list = new BlockList();
  for (const c of cidrs) addCidr(list, c);
  return { label, list };
});

function addCidr(list: BlockList, cidr: string) {
  const [net, bits] = cidr.split('/') as [string, string];
  list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
}

/** The 8 hextets of an IPv6 address (no zone), `::` and a dotted IPv4 tail expanded. */
function hextets(ip: string): number[] {
  let s = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const parts = (x: string) => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const h = parts(head);
  if (tail === undefined) return h;
  const t = parts(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The IPv4 address an IPv6 one carries by translation (NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedIPv4(ip: string): string | undefined {
  const h = hextets(ip);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  return undefined;
}

/** Why `ip` is not a public address, or undefined when it is. IPv4-mapped IPv6 counts as its IPv4. */
export function specialAddress(address: string): string | undefined {
  const ip = address.split('%')[0]!; // a zone (fe80::1%eth0) says nothing about the range
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const hit = SPECIAL.find((r) => r.list.check(ip, type));
  if (hit) return hit.label;
  const inner = family === 6 ? embeddedIPv4(ip) : undefined;
  return inner ? specialAddress(inner) : undefined;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** Whether `entry` can be an SU_OUTBOUND_ALLOW entry: an IP address, a CIDR range or a hostname. */
export function isAllowEntry(entry: string): boolean {
  const [net, bits, extra] = entry.split('/');
  if (extra !== undefined) return false;
  if (bits !== undefined) {
    const max = isIP(net!) === 4 ? 32 : isIP(net!) === 6 ? 128 : -1;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
  }
  return isIP(entry) !== 0 || HOSTNAME.test(entry.replace(/\.$/, ''));
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();

export interface OutboundPolicy {
  /** The parsed URL when the server may call it (static checks, no DNS); else throws OutboundUrlRefused. */
  check(raw: string): URL;
  /** `check`, then the host's DNS answers, every one of which must be allowed (the first is used to connect). */
  resolve(url: URL): Promise<{ address: string; family: 4 | 6 }[]>;
  /** The addresses a hostname may connect to (for a pinned connection: resolve and connect as one step). */
  addressesOf(hostname: string): Promise<{ address: string; family: 4 | 6 }[]>;
  /** A link to show people (e.g. a PR's html_url): an http(s) URL the policy's schemes allow, without credentials; else undefined. */
  link(raw: unknown): string | undefined;
}

/** `allow`: SU_OUTBOUND_ALLOW's entries (addresses, CIDR ranges, hostnames). */
export function createOutboundPolicy(allow: readonly string[] = []): OutboundPolicy {
  const ranges = new BlockList();
  const names = new Set<string>();
  for (const entry of allow) {
    if (!isAllowEntry(entry)) throw new Error(`not an address, range or hostname: ${entry}`);
    if (entry.includes('/')) addCidr(ranges, entry);
    else if (isIP(entry)) ranges.addAddress(entry, isIP(entry) === 6 ? 'ipv6' : 'ipv4');
    else names.add(bare(entry));
  }
  const allowedAddress = (ip: string) => ranges.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  /** Named by the allow-list: the hostname itself, or an address literal inside an allowed range. */
  const listed = (host: string) => names.has(host) || (isIP(host) !== 0 && allowedAddress(host));
  const hint = 'the control plane only calls public https addresses (an operator may allow a host with SU_OUTBOUND_ALLOW)';

  function parse(raw: string): { url: URL; host: string } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundUrlRefused('is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundUrlRefused(`uses ${url.protocol.slice(0, 20)} and only https is allowed`);
    // `https://api.github.com@127.0.0.1` goes to 127.0.0.1; and a URL is no place for a secret.
    if (url.username || url.password) throw new OutboundUrlRefused('carries a user name or password; put credentials in the token field');
    return { url, host: bare(url.hostname) };
  }

  function check(raw: string): URL {
    const { url, host } = parse(raw);
    if (url.protocol === 'http:' && !listed(host)) throw new OutboundUrlRefused(`uses http, which would send the token in clear; ${hint}`);
    if (isIP(host)) {
      const why = specialAddress(host);
      if (why && !allowedAddress(host)) throw new OutboundUrlRefused(`points to ${host}, ${why}; ${hint}`);
    } else if ((host === 'localhost' || host.endsWith('.localhost')) && !names.has(host)) {
      throw new OutboundUrlRefused(`points to ${host}, a loopback name; ${hint}`);
    }
    return url;
  }

  async function addressesOf(hostname: string) {
    const host = bare(hostname);
    const found = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : (await lookup(host, { all: true, verbatim: true })) as { address: string; family: 4 | 6 }[];
    if (found.length === 0) throw new OutboundUrlRefused(`${host} has no address`);
    if (names.has(host)) return found;
    for (const { address } of found) {
      const why = specialAddress(address);
      if (why && !allowedAddress(address)) throw new OutboundUrlRefused(`${host} resolves to ${address}, ${why}; ${hint}`);
    }
    return found;
  }

  return {
    check,
    addressesOf,
    async resolve(url) {
      check(url.href);
      return addressesOf(url.hostname);
    },
    link(raw) {
      if (typeof raw !== 'string' || raw.length > 2048) return undefined;
      try {
        const { url, host } = parse(raw);
        return url.protocol === 'https:' || listed(host) ? url.href : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
