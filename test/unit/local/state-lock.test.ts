import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE, lockStateDirectory } from '../../../lib/local/runtime/state-lock';

/** One `mlops up` per state directory: the lock names its holder, and a dead holder's lock is taken over. */
describe('the state directory lock', () => {
  test('GIVEN a directory this process holds THEN a second lock is refused naming the PID, and after release it is free again', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-lock-'));
    const release = lockStateDirectory(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockStateDirectory(dir)).toThrow(`${dir} is in use by another mlops up (PID ${process.pid}): stop it, or pass another --dir`);
    release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    lockStateDirectory(dir)();
  });

  test('GIVEN a lock left by a process that was killed THEN it is taken over', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-lock-'));
    // A PID that ran and is gone.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, LOCK_FILE), `${gone}\n`);
    const release = lockStateDirectory(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  test('GIVEN a lock whose holder was killed and not yet reaped (a zombie, which still answers signal 0) THEN it is taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-lock-'));
    // `sleep 0` exits at once; its parent, exec'd into `sleep 5`, never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
      const state = () => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1][0];
      for (let waited = 0; state() !== 'Z' && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(state()).toBe('Z');
      expect(() => process.kill(Number(zombie), 0)).not.toThrow();
      writeFileSync(path.join(dir, LOCK_FILE), `${zombie}\n`);
      lockStateDirectory(dir)();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
