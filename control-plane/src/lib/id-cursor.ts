import { z } from 'zod';

/** Cursor for lists ordered by id (ULIDs sort by creation time). */
export const idCursor = z.object({ id: z.string().length(26) });
