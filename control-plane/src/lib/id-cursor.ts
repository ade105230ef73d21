import { idSchema } from '@solo-unicorn/shared';
import { z } from 'zod';

/** Cursor for lists ordered by id (ULIDs sort by creation time). */
export const idCursor = z.object({ id: idSchema });
