import { monotonicFactory } from 'ulid';
import { z } from 'zod';

// ULIDs: 26 chars, time-ordered, so ids sort by creation and make stable cursors.
const nextUlid = monotonicFactory();

export function newId(): string {
  return nextUlid();
}

export const idSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a 26-character ULID');
