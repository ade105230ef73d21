import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ConfigFile, readConfigFile } from '../config.ts';

/** Merges `changes` into config.json; written atomically, mode 0600 (it holds secrets). */
export function updateConfigFile(path: string, changes: Partial<ConfigFile>) {
  const next = { ...readConfigFile(path), ...changes };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return next;
}
