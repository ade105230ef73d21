import { z } from 'zod';

/** The first and last instants PostgreSQL's timestamptz and a JavaScript Date both hold as ISO text. */
export const EARLIEST_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 date-time with an offset, whose instant lies in years 0001–9999 UTC. The format
 * alone is not enough: `0000-01-01T00:00:00Z`, or `0001-01-01T00:00:00+01:00` (year 0 in UTC),
 * pass it, and the database refuses them mid-query (SQLSTATE 22008) — found by the HTTP fuzz gate.
 */
export const instantSchema = z.iso
  .datetime({ offset: true, abort: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' })
  .refine((s) => {
    const ms = Date.parse(s);
    return ms >= EARLIEST_INSTANT.getTime() && ms <= LATEST_INSTANT.getTime();
  }, 'must lie between years 0001 and 9999 (UTC)');
