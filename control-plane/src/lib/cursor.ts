import { findUnstorableText } from '@solo-unicorn/shared';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** Opaque cursors: base64url JSON of the last row's sort key, validated on the way back in. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.infer<T> {
  try {
    const json: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A forged cursor may hold text PostgreSQL refuses (NUL, a lone surrogate): refuse it here.
    const parsed = findUnstorableText(json) === undefined ? schema.safeParse(json) : undefined;
    if (parsed?.success) return parsed.data;
  } catch {
    // fall through to the error below
  }
  throw new AppError(400, 'SU_ERR_CURSOR_INVALID', 'cursor: not a cursor this endpoint returned; start again without it');
}

/** Takes `limit + 1` rows and turns them into a page with the next cursor. */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (r: Row) => Item, keyOf: (r: Row) => unknown) {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
