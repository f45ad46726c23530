import { readFileSync } from 'node:fs';
import { processRuns } from './state-lock';

/**
 * The launchers between a person and `mlops up` (npx → sh -c → npm exec → sh -c → tsx → node) do
 * not pass a SIGTERM on: `sh -c` dies and its child lives on, orphaned, holding the state
 * directory. So `mlops up` watches its launchers and stops, as on SIGTERM, when one of them ends.
 * Only launchers count (npm, npx, tsx and the `sh -c` they run): a shell or nohup that started
 * `mlops up` may end without stopping it. Linux only (/proc); elsewhere nothing is watched.
 */
const LAUNCHER = /(^|\/)(npm|npx|tsx)(\.js|\.cjs|\.mjs)?$|npm-cli\.js$|npx-cli\.js$|\/tsx\/dist\/cli\.m?js$/;

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isLauncher(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // "node /path/npm-cli.js exec ...", "npm exec ...", "node .../tsx ...", or the "sh -c" between them.
    if (argv[0] === 'sh' || argv[0] === '/bin/sh') return argv[1] === '-c';
    return argv.slice(0, 2).some((arg) => LAUNCHER.test(arg)) || /^npm (exec|run)/.test(argv[0]);
  } catch {
    return false;
  }
}

/** The launcher PIDs above this process, nearest first, up to the first process that is not one. */
export function launcherChain(pid = process.pid): number[] {
  const chain: number[] = [];
  for (let parent = parentOf(pid); parent !== undefined && parent > 1 && isLauncher(parent); parent = parentOf(parent)) chain.push(parent);
  return chain;
}

/** Calls `onGone` once when any launcher above this process has ended; returns the stop function. */
export function watchLaunchers(onGone: (pid: number) => void, intervalMs = 1000): () => void {
  const chain = launcherChain();
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const gone = chain.find((pid) => !processRuns(pid));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
