import { z } from 'zod';

export const limitSchema = z.coerce.number().int().min(1).max(500).default(50);

export const pageQuerySchema = z.strictObject({
  limit: limitSchema,
  cursor: z.string().max(512).optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
