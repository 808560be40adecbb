import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError, findRunning, LOCK_FILE, lockDataDir } from '../../local/instance.js';

/** The pid of a process that has already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const lockIn = (dir: string, holder: object) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder));

describe('Function: lockDataDir', () => {
  it('refuses a folder a live process holds, naming its pid and URL', () => {
    // Prepare: this test runner's parent is alive and "holds" the folder
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    lockIn(dir, { pid: process.ppid, command: 'npm start', startedAt: '2026-12-01T10:00:00.000Z', url: 'http://localhost:3100' });
    // Act + Assess
    expect(() => lockDataDir(dir, 'npm start')).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir, 'npm start')).toThrow(`in use by npm start (pid ${process.ppid}, http://localhost:3100, since 2026-12-01T10:00:00.000Z)`);
    expect(findRunning(dir)).toMatchObject({ pid: process.ppid, url: 'http://localhost:3100' });
  });

  it('takes over a stale lock (its process died), says where it runs, and gives the folder back', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    lockIn(dir, { pid: deadPid(), command: 'npm start', startedAt: '2026-12-01T10:00:00.000Z', url: 'http://localhost:3000' });
    expect(findRunning(dir)).toBeUndefined();
    // Act
    const lock = lockDataDir(dir, 'npm run rescore');
    lock.update({ dynamoEndpoint: 'http://127.0.0.1:45678', tableName: 'funnel' });
    // Assess
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'npm run rescore',
      dynamoEndpoint: 'http://127.0.0.1:45678',
    });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('never removes a lock another process took meanwhile', () => {
    // Prepare: this process held the folder, then a live process took it over
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const lock = lockDataDir(dir, 'npm start');
    lockIn(dir, { pid: process.ppid, command: 'npm start', startedAt: '2026-12-01T10:00:00.000Z' });
    // Act
    lock.update({ url: 'http://localhost:3000' });
    lock.release();
    // Assess
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual({ pid: process.ppid, command: 'npm start', startedAt: '2026-12-01T10:00:00.000Z' });
  });

  it('treats an unreadable lock (a process killed while writing it) as stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    const lock = lockDataDir(dir, 'npm start');
    expect(findRunning(dir)).toBeUndefined(); // this process itself is not "another" funnel
    lock.release();
  });
});
