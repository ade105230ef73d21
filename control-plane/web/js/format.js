/** Numbers, money and durations as the board shows them (one place, so the panel and the cards agree). */

export const formatCount = (n) => Number(n ?? 0).toLocaleString('en-US');

/** Null means the agent did not report a cost (Codex does not): unknown, not free. */
export function formatCost(usd) {
  if (usd === null || usd === undefined) return '—';
  const n = Number(usd);
  return n > 0 && n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Disk use in binary units, as `du -h` counts: "312 MB" (MiB, labelled as people read them). */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = Number(bytes);
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${i === 0 || n >= 100 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/** "14:05" in the viewer's time zone: when a usage limit resets is an hour of today. */
export const clockTime = (iso) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** A reset time: "14:05" today, with the date when it is another day. */
export function untilText(iso, now = new Date()) {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? clockTime(iso) : `${at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${clockTime(iso)}`;
}
