import { foldText, searchText } from '../src/infra/text-fold.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { QUERY_WORDS } from './fixtures/catalog.ts';
import type { SeededCommunity } from './fixtures/community.ts';
import { Random, Zipf } from './lib/random.ts';

/**
 * The request mix, decided up front from a fixed seed so the router and the raw store replay
 * exactly the same operations: 60% /courses, 15% /enroll, 15% /rate, 10% /score.
 */
export type InputKind = 'structured' | 'text';
/** How the member named the course: `12` (buttons, Discord autocomplete), `#12`, or its title. */
export type CourseRef = 'number' | 'hash' | 'title';

interface Base {
  member: number;
  input: InputKind;
}
export type PlannedOp =
  | (Base & { command: 'courses'; query?: string; sort?: 'top' | 'new'; page?: number })
  | (Base & { command: 'enroll'; course: number; ref: CourseRef })
  | (Base & { command: 'rate'; course: number; ref: CourseRef; stars: number; review?: string })
  | (Base & { command: 'score'; course?: number; ref: CourseRef });

export type PlannedCommand = PlannedOp['command'];
export const MIX: Readonly<Record<PlannedCommand, number>> = { courses: 60, enroll: 15, rate: 15, score: 10 };

const REVIEWS = ['Clear and practical.', 'Solid course, a bit slow in week two.', '非常实用', 'Would take again!'] as const;

export class RequestPlanner {
  private readonly random: Random;
  /** Active members do far more than lurkers, but over 20k requests nearly everyone shows up. */
  private readonly activity: Zipf;
  private readonly memberOrder: number[];
  private readonly enrolled: Set<string>;
  private readonly enrolledByMember = new Map<number, number[]>();
  private readonly matches = new Map<string, number>();

  constructor(private readonly seeded: SeededCommunity, seed: number) {
    this.random = new Random(seed);
    this.activity = new Zipf(seeded.members.length, 0.6);
    this.memberOrder = this.random.shuffle(seeded.members.map((_, i) => i));
    this.enrolled = new Set(seeded.enrolled);
    for (const key of seeded.enrolled) this.remember(key);
    // How many active courses each query finds, so planned pages stay mostly in range.
    const active = seeded.courses.filter((c) => !c.archived).map((c) => searchText(c.title, c.description, c.tags));
    for (const word of QUERY_WORDS) this.matches.set(word, active.filter((text) => text.includes(foldText(word))).length);
    this.matches.set('', active.length);
  }

  plan(count: number): PlannedOp[] {
    return Array.from({ length: count }, () => this.next());
  }

  private next(): PlannedOp {
    const member = this.memberOrder[this.activity.sample(this.random)]!;
    const input: InputKind = this.random.chance(0.6) ? 'structured' : 'text';
    const command = this.random.weighted(MIX);
    switch (command) {
      case 'courses': {
        const query = this.random.chance(0.3) ? this.random.pick(QUERY_WORDS) : undefined;
        const sort = this.random.weighted({ default: 50, top: 20, new: 30 });
        const pages = Math.max(1, Math.ceil((this.matches.get(query ?? '') ?? 0) / LIMITS.coursesPerPage));
        const page = this.random.weighted({ first: 70, next: 20, deep: 10 });
        const chosen = page === 'first' ? 1 : page === 'next' ? Math.min(pages, 2) : this.random.int(1, pages);
        return {
          command,
          member,
          input,
          ...(query ? { query } : {}),
          ...(sort === 'default' ? {} : { sort }),
          ...(chosen > 1 || this.random.chance(0.2) ? { page: chosen } : {}),
        };
      }
      case 'enroll': {
        const course = this.seeded.popularCourse(this.random);
        if (!this.seeded.courses[course]!.archived) this.enroll(member, course);
        return { command, member, input, course, ref: this.ref(input) };
      }
      case 'rate': {
        // Mostly courses the member took; sometimes one they did not (a friendly refusal).
        const mine = this.enrolledByMember.get(member);
        const course = mine && mine.length > 0 && this.random.chance(0.85) ? this.random.pick(mine) : this.seeded.popularCourse(this.random);
        const stars = Number(this.random.weighted({ 1: 5, 2: 8, 3: 20, 4: 37, 5: 30 }));
        const review = this.random.chance(0.15) ? this.random.pick(REVIEWS) : undefined;
        return { command, member, input, course, ref: this.ref(input), stars, ...(review ? { review } : {}) };
      }
      case 'score':
        return this.random.chance(0.65)
          ? { command, member, input, ref: 'number' }
          : { command, member, input, course: this.seeded.popularCourse(this.random), ref: this.ref(input) };
    }
  }

  /** Buttons and Discord autocomplete send the number; typed text sometimes uses `#n` or the title. */
  private ref(input: InputKind): CourseRef {
    if (input === 'structured') return this.random.chance(0.9) ? 'number' : 'title';
    return this.random.weighted({ number: 50, hash: 25, title: 25 });
  }

  private enroll(member: number, course: number): void {
    const key = `${member}:${course}`;
    if (this.enrolled.has(key)) return;
    this.enrolled.add(key);
    this.remember(key);
  }

  private remember(key: string): void {
    const [member, course] = key.split(':').map(Number) as [number, number];
    const list = this.enrolledByMember.get(member);
    if (list) list.push(course);
    else this.enrolledByMember.set(member, [course]);
  }
}
