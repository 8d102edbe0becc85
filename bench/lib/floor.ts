import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Rounds of the fixed mix, after a warm-up of a tenth as many. */
const ROUNDS = 20_000;

export interface Floor {
  rounds_per_s: number;
  /** CPU time per round, steadier than wall time on a shared machine. */
  cpu_ms_per_round: number;
}

/**
 * The machine-speed floor: bare better-sqlite3 on a WAL file doing a fixed mix per round (two
 * primary-key reads, an 8-row page of a 200-row table, an upsert), with nothing of Syllabot's.
 * Measured in the same run as the core, it lets `core_vs_floor` compare runs across machines.
 */
export function measureFloor(dir: string): Floor {
  const own = mkdtempSync(join(dir, 'floor-'));
  const db = new Database(join(own, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
               score REAL NOT NULL, hits INTEGER NOT NULL, created_at INTEGER NOT NULL);
             CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, seen INTEGER NOT NULL);
             CREATE TABLE marks (person INTEGER NOT NULL, item INTEGER NOT NULL, value INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (person, item));`);
    const addItem = db.prepare('INSERT INTO items (owner, title, body, score, hits, created_at) VALUES (1, ?, ?, ?, ?, ?)');
    const addPerson = db.prepare('INSERT INTO people (name, seen) VALUES (?, 0)');
    db.transaction(() => {
      for (let i = 0; i < 200; i++) addItem.run(`Item ${i}`, 'x'.repeat(120), (i * 37) % 101, i % 13, i);
      for (let i = 0; i < 1000; i++) addPerson.run(`person ${i}`);
    })();
    const person = db.prepare('SELECT * FROM people WHERE id = ?');
    const item = db.prepare('SELECT * FROM items WHERE id = ?');
    const page = db.prepare('SELECT * FROM items WHERE owner = 1 ORDER BY score DESC, id LIMIT 8 OFFSET ?');
    const mark = db.prepare('INSERT INTO marks (person, item, value, at) VALUES (?, ?, ?, ?) ON CONFLICT (person, item) DO UPDATE SET value = excluded.value, at = excluded.at');
    const round = (i: number) => {
      person.get((i % 1000) + 1);
      item.get((i % 200) + 1);
      page.all((i % 5) * 8);
      mark.run((i * 7) % 1000, (i * 13) % 200, (i % 5) + 1, i);
    };
    for (let i = 0; i < ROUNDS / 10; i++) round(i);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < ROUNDS; i++) round(i);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { rounds_per_s: Math.round(ROUNDS / (wall / 1000)), cpu_ms_per_round: Math.round(((used.user + used.system) / 1000 / ROUNDS) * 1000) / 1000 };
  } finally {
    db.close();
    rmSync(own, { recursive: true, force: true });
  }
}
