import type { Course } from './model.ts';

/** `#3 Rust 101`: how every reply, reminder, digest and completion names a course. */
export function courseName(course: Pick<Course, 'number' | 'title'>): string {
  return `#${course.number} ${course.title}`;
}
