import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process-group liveness. A signalled group can leave zombies behind when nothing reaps orphans
 * (a container whose PID 1 is not an init): they hold no resources and cannot be killed, so on
 * Linux a group whose only members are zombies counts as gone.
 */

/** `kill(-pgid)`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while the process exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(pid);
  return stat === undefined ? !hasProc() : stat.state !== 'Z';
}

/** True while any non-zombie process belongs to the group. */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!hasProc()) return true;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}

let procChecked: boolean | undefined;
function hasProc(): boolean {
  if (procChecked === undefined) procChecked = procStat(process.pid) !== undefined;
  return procChecked;
}

/** /proc/<pid>/stat: `pid (comm) state ppid pgrp …`; comm may contain spaces and parentheses. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}
