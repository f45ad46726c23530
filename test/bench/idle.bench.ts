/**
 * Benchmark: the CPU an idle `mlops up` uses (every process of it: tsx's launcher and the
 * environment), over a window after it started, as a share of one core; the baseline in the same
 * window is an idle Node.js process (a one-second timer), the floor of what Node itself costs.
 * Goal (the durable-twin issue): under 1% of a core.
 *
 *   npm run bench:idle            # 60 s window
 *   npm run bench:idle -- 20
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { printed } from './child-output';

const GOAL_PERCENT = 1;
const SETTLE_MS = 30_000;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** user + system CPU ticks of every process in process group `group` (/proc/<pid>/stat fields 14, 15; group is field 5). */
function groupTicks(group: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 60);
  const root = path.join(__dirname, '..', '..');
  const up = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', 'up', '--dir', mkdtempSync(path.join(tmpdir(), 'mlops-idle-'))], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const idleNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("ready")'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await Promise.all([printed(up, 'Local environment up', 120_000), printed(idleNode, 'ready', 10_000)]);
    // Let start-up work (module loading, V8's post-start-up collections) settle before the window opens.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const before = { up: groupTicks(up.pid!), node: groupTicks(idleNode.pid!), at: Date.now() };
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const elapsed = (Date.now() - before.at) / 1000;
    const percent = (ticks: number) => (ticks / CLOCK_TICKS / elapsed) * 100;
    const upPercent = percent(groupTicks(up.pid!) - before.up);
    const nodePercent = percent(groupTicks(idleNode.pid!) - before.node);
    console.log(`node ${process.version}; window ${elapsed.toFixed(1)} s; clock ${CLOCK_TICKS} ticks/s`);
    console.log(`idle mlops up (all its processes): ${upPercent.toFixed(2)} % of a core`);
    console.log(`idle node process (baseline):      ${nodePercent.toFixed(2)} % of a core`);
    console.log(`goal < ${GOAL_PERCENT} %: ${upPercent < GOAL_PERCENT ? 'met' : 'NOT met'}`);
  } finally {
    for (const child of [up, idleNode]) if (child.pid) process.kill(-child.pid, 'SIGINT');
  }
}

void main();
