/**
 * Text that PostgreSQL can store. `text` and `jsonb` refuse U+0000 and lone UTF-16 surrogates,
 * and one such code unit in a statement fails the whole transaction. Two policies follow:
 * - user input (API bodies, queries) with such a code unit is refused (`isStorableText`);
 * - machine streams (agent output, tool results, docs, GitHub payloads) are kept, with each bad
 *   code unit replaced by U+FFFD (`sanitizeText`, `sanitizeDeep`) and the result flagged.
 */

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

/** True when `s` has neither a NUL nor a lone surrogate. */
export function isStorableText(s: string): boolean {
  return !s.includes(NUL) && s.isWellFormed();
}

/** `s` with every NUL and lone surrogate replaced by U+FFFD; the same string when already storable. */
export function sanitizeText(s: string): string {
  if (isStorableText(s)) return s;
  return s.toWellFormed().replaceAll(NUL, REPLACEMENT);
}

/**
 * A deep copy of a JSON-like value with every string (keys included) sanitized; `changed` says
 * whether anything was replaced. Values nested deeper than `maxDepth` are replaced by a marker
 * rather than walked (a hostile frame cannot blow the stack).
 */
export function sanitizeDeep<T>(value: T, maxDepth = 64): { value: T; changed: boolean } {
  let changed = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const s = sanitizeText(v);
      if (s !== v) changed = true;
      return s;
    }
    if (v === null || typeof v !== 'object') return v;
    if (depth >= maxDepth) {
      changed = true;
      return '[too deep]';
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[sanitizeText(k)] = walk(x, depth + 1);
    if (Object.keys(out).length !== Object.keys(v).length) changed = true;
    return out;
  };
  const out = walk(value, 0) as T;
  return { value: out, changed };
}

/**
 * The first path (e.g. `body.title`) holding a string (or key) that is not storable, or
 * undefined. Walks with an explicit stack, so any nesting depth is checked without recursion.
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, here] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return here || '(value)';
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    for (const [k, x] of Object.entries(v)) {
      const at = here ? `${here}.${k}` : k;
      if (!isStorableText(k)) return sanitizeText(at);
      stack.push([x, at]);
    }
  }
  return undefined;
}

/**
 * `s` cut to at most `maxUnits` UTF-16 code units without splitting a surrogate pair, with
 * `suffix` appended (counted in the limit) when it was cut.
 */
export function clipText(s: string, maxUnits: number, suffix = '…'): string {
  if (s.length <= maxUnits) return s;
  let end = Math.max(0, maxUnits - suffix.length);
  // Never end on a high surrogate whose low half would be cut off.
  const last = s.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return s.slice(0, end) + suffix;
}

/** Like clipText but keeps the end of `s` (e.g. the tail of an error output). */
export function clipTextStart(s: string, maxUnits: number, prefix = '…'): string {
  if (s.length <= maxUnits) return s;
  let start = s.length - Math.max(0, maxUnits - prefix.length);
  const first = s.charCodeAt(start);
  if (start < s.length && first >= 0xdc00 && first <= 0xdfff) start += 1;
  return prefix + s.slice(start);
}
