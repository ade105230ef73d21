/**
 * `url` when it is an absolute http(s) URL, else undefined: an href built from API data (a PR's
 * GitHub link) must never be `javascript:`, `data:` or anything else a click would run.
 */
export function httpHref(url) {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
