import type { CommandRequest } from '../src/core/router.ts';
import type { Course } from '../src/domain/model.ts';
import type { SeededCommunity } from './fixtures/community.ts';
import type { CourseRef, PlannedOp } from './core-plan.ts';

/**
 * Turns a planned operation into the request a platform adapter would send: typed options as
 * Discord delivers them (`structured`), or the command's text as Slack delivers it (`text`).
 */
export function toRequest(op: PlannedOp, seeded: SeededCommunity): CommandRequest {
  const { member, locale } = seeded.members[op.member]!;
  const platform = op.input === 'structured' ? 'discord' : 'slack';
  return {
    community: { ...seeded.ref, locale: platform === 'discord' ? 'en-US' : undefined },
    actor: { externalId: member.externalId, displayName: member.displayName, isModerator: false, locale },
    input: op.input === 'structured' ? { kind: 'structured', command: op.command, options: structuredOptions(op, seeded) } : { kind: 'text', command: `/${op.command}`, text: commandText(op, seeded) },
    surface: { forms: true, buttons: true },
    // Adapters rate-limit members; the default limiter of createCore lets everything through.
    rateLimited: true,
  };
}

function structuredOptions(op: PlannedOp, seeded: SeededCommunity): Record<string, unknown> {
  switch (op.command) {
    case 'courses':
      return { ...(op.query ? { query: op.query } : {}), ...(op.sort ? { sort: op.sort } : {}), ...(op.page ? { page: op.page } : {}) };
    case 'enroll':
      return { course: courseRef(seeded.courses[op.course]!, op.ref) };
    case 'rate':
      return { course: courseRef(seeded.courses[op.course]!, op.ref), stars: op.stars, ...(op.review ? { review: op.review } : {}) };
    case 'score':
      return op.course === undefined ? {} : { course: courseRef(seeded.courses[op.course]!, op.ref) };
  }
}

function commandText(op: PlannedOp, seeded: SeededCommunity): string {
  const quoted = (course: number, ref: CourseRef) => {
    const text = courseRef(seeded.courses[course]!, ref);
    return ref === 'title' ? `"${text.replaceAll('"', '\\"')}"` : text;
  };
  switch (op.command) {
    case 'courses':
      return [op.query ?? '', op.sort ? `sort:${op.sort}` : '', op.page ? `page:${op.page}` : ''].filter(Boolean).join(' ');
    case 'enroll':
      return quoted(op.course, op.ref);
    case 'rate':
      return [quoted(op.course, op.ref), String(op.stars), op.review ?? ''].filter(Boolean).join(' ');
    case 'score':
      return op.course === undefined ? '' : quoted(op.course, op.ref);
  }
}

export function courseRef(course: Course, ref: CourseRef): string {
  switch (ref) {
    case 'number':
      return String(course.number);
    case 'hash':
      return `#${course.number}`;
    case 'title':
      return course.title;
  }
}
