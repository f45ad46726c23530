import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'mlops.lock';

/** Whether a process with this PID runs (signal 0 checks without signalling; a zombie does not run). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/** A killed process not yet reaped by its parent (Linux's state Z): it answers signal 0 but holds nothing. */
function zombie(pid: number): boolean {
  try {
    // The state follows the parenthesized command name, which may itself contain spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): signal 0 decides
  }
}

/**
 * Takes the state directory for this process: the lock file is created exclusively and holds
 * the PID. A directory another running process holds is refused, naming that PID; a lock left by
 * a process that no longer runs (killed) is taken over. Returns the release function.
 */
export function lockStateDirectory(directory: string): () => void {
  const file = path.join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        // Only our own lock: a stale-lock takeover by another process must not be undone.
        if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processRuns(holder)) {
        throw new Error(`${directory} is in use by another mlops up (PID ${holder}): stop it, or pass another --dir`, { cause: err });
      }
      // The holder is gone (killed, crashed): its lock is stale.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${directory}: another process took it at the same time`);
}
