import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One local funnel per data folder. `npm start` (and `npm run rescore` when it starts a DynamoDB Local of
 * its own) holds `<data dir>/funnel.lock` while it runs: two DynamoDB Locals on the same files corrupt each
 * other's writes. The lock also says where the funnel runs, so every CLI finds it without being told.
 */
export const LOCK_FILE = 'funnel.lock';

/** What the lock file says about the process holding the data folder. */
export interface LocalInstance {
  pid: number;
  /** `npm start`, or the CLI that took the folder for a run of its own. */
  command: string;
  startedAt: string;
  /** The funnel's URL (API, demo, widget); absent until it listens, and for a CLI's own DynamoDB Local. */
  url?: string;
  dynamoEndpoint?: string;
  tableName?: string;
  mailViewerUrl?: string;
}

/** A second funnel (or CLI) on a data folder that a live process holds. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LocalInstance,
  ) {
    super(
      `The data folder ${dataDir} is in use by ${holder.command} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}, since ${holder.startedAt}). ` +
        'Stop it first, or give this one its own folder: FUNNEL_DATA_DIR=.data-2 npm start',
    );
    this.name = 'DataDirInUseError';
  }
}

/** Whether a process with this pid is alive (EPERM: alive, but not ours to signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LocalInstance | undefined {
  try {
    const found = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalInstance>;
    return typeof found.pid === 'number' && Number.isInteger(found.pid) && found.pid > 0 ? (found as LocalInstance) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live process holding `dataDir`, if any. A lock left by a process that died (kill -9, a crash) does not
 * count: its pid is gone.
 * @example findRunning('.data')?.url // 'http://localhost:3000'
 */
export function findRunning(dataDir: string): LocalInstance | undefined {
  const holder = readLock(join(dataDir, LOCK_FILE));
  return holder && holder.pid !== process.pid && isAlive(holder.pid) ? holder : undefined;
}

export interface DataDirLock {
  /** Say more about this process (its URL once it listens): CLIs read it. */
  update(info: Partial<Omit<LocalInstance, 'pid' | 'command' | 'startedAt'>>): void;
  /** Give the folder back (only if this process still holds it). Also done on process exit. */
  release(): void;
}

/**
 * Take `dataDir` for this process, or throw `DataDirInUseError` naming the live process that holds it. A
 * stale lock (its pid is dead) is taken over. Creating the file with O_EXCL makes two simultaneous starts
 * agree on one winner.
 */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  const me: LocalInstance = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      const holder = readLock(file);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new DataDirInUseError(dataDir, holder);
      // Stale (or unreadable: a process killed while writing it): take it over.
      rmSync(file, { force: true });
    }
  }
  const holdsIt = () => readLock(file)?.pid === process.pid;
  const release = () => {
    if (holdsIt()) rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return {
    update(info) {
      if (!holdsIt()) return;
      Object.assign(me, info);
      // Write then rename: a reader never sees half a file.
      writeFileSync(`${file}.tmp`, `${JSON.stringify(me)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    },
    release,
  };
}
