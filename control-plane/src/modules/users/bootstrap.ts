import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../db/types.ts';
import { hashSecret, newSecret, secretPrefix } from '../../lib/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { createUsersRepository } from './users.repository.ts';

export interface BootstrapResult {
  adminUserId: string;
  /** Set only when a key was generated on this start: print it once. */
  generatedKey?: string;
  keyFile?: string;
}

/**
 * First start: create the instance admin and its API key (SU_BOOTSTRAP_API_KEY, or a generated
 * key written to $SU_DATA_DIR/admin-api-key with mode 0600). Later starts keep what exists; a
 * configured bootstrap key is attached to the admin if it is not there yet. A bootstrap key that
 * was revoked stays revoked: a restart must never undo a revocation.
 */
export async function bootstrapAdmin(db: Db, opts: { bootstrapKey?: string; dataDir: string }): Promise<BootstrapResult> {
  return db.transaction(async (tx) => {
    const repo = createUsersRepository(tx);
    let admin = await repo.findInstanceAdmin();
    let firstStart = false;
    if (!admin) {
      admin = (await repo.insertUser({ email: 'admin@localhost', name: 'Admin', isInstanceAdmin: true })) ?? undefined;
      firstStart = admin !== undefined;
      // Two control planes starting at once on one PostgreSQL: the insert waited for the other's
      // commit and did nothing; the admin it created is visible to this next statement.
      admin ??= await repo.findInstanceAdmin();
      if (!admin) throw new Error('admin@localhost exists but is not the instance admin; fix the users table');
      if (firstStart) await recordAudit(tx, { actorType: 'system', action: 'instance.bootstrapped', targetType: 'user', targetId: admin.id });
    }
    if (opts.bootstrapKey) {
      // onConflictDoNothing on the hash: re-attaching the same key on every restart is a no-op.
      await repo.insertApiKey({ userId: admin.id, name: 'bootstrap', keyHash: hashSecret(opts.bootstrapKey), keyPrefix: secretPrefix(opts.bootstrapKey) });
      return { adminUserId: admin.id };
    }
    if (!firstStart) return { adminUserId: admin.id };
    const key = newSecret('su');
    await repo.insertApiKey({ userId: admin.id, name: 'bootstrap', keyHash: hashSecret(key), keyPrefix: secretPrefix(key) });
    mkdirSync(opts.dataDir, { recursive: true });
    const keyFile = join(opts.dataDir, 'admin-api-key');
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600); // mode only applies on create; an old file keeps its own
    return { adminUserId: admin.id, generatedKey: key, keyFile };
  });
}
