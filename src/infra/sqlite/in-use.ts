import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostname } from 'node:os';

/**
 * Marks an SQLite file as used by a running Syllabot process: one small file per process
 * beside it (`syllabot.sqlite.in-use.<pid>`), removed when the process closes the store. SQLite
 * holds no lock while a bot is idle, so this is how `restore` knows not to pull the file from
 * under it. A marker whose process is gone (a crash) is ignored.
 */
export interface StoreUser {
  pid: number;
  role: string;
  host: string;
  since: string;
}

const marker = (path: string, pid: number) => `${path}.in-use.${pid}`;

export function markInUse(path: string, role: string): () => void {
  const file = marker(path, process.pid);
  const user: StoreUser = { pid: process.pid, role, host: hostname(), since: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(user)}\n`);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    rmSync(file, { force: true });
  };
  process.once('exit', release);
  return release;
}

/** The live processes using the file (stale markers of dead processes are removed). */
export function storeUsers(path: string): StoreUser[] {
  const prefix = `${basename(path)}.in-use.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const users: StoreUser[] = [];
  for (const name of names) {
    const file = join(dirname(path), name);
    let user: StoreUser;
    try {
      user = JSON.parse(readFileSync(file, 'utf8')) as StoreUser;
    } catch {
      continue;
    }
    if (user.host !== hostname() || isAlive(user.pid)) users.push(user);
    else rmSync(file, { force: true });
  }
  return users;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
