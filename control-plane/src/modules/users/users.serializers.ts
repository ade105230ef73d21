import type { ApiKey, User } from '@solo-unicorn/shared';
import { iso, isoOrNull } from '../../lib/time.ts';
import type { ApiKeyRow, UserRow } from './users.repository.ts';

export const toUser = (u: UserRow): User => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isInstanceAdmin: u.isInstanceAdmin,
  createdAt: iso(u.createdAt),
});

export const toApiKey = (k: ApiKeyRow): ApiKey => ({
  id: k.id,
  userId: k.userId,
  name: k.name,
  prefix: k.keyPrefix,
  createdAt: iso(k.createdAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
});
