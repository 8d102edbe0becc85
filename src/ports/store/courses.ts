import type { Course } from '../../domain/model.ts';

/** What a moderator gives when adding a course; the rest of a Course is the store's. */
export type NewCourse = Pick<Course, 'title' | 'description' | 'url' | 'tags' | 'value' | 'startsAt'>;

export type CoursePatch = Partial<NewCourse>;

export type CourseSort = 'top' | 'new' | 'number';

export interface CourseQuery {
  /** Case-insensitive text matched against title, description and tags. */
  text?: string;
  includeArchived?: boolean;
  /** `top`: by Bayesian weighted rating (S + m·C) / (n + m) with `prior`; unrated last. */
  sort: CourseSort;
  prior?: { mean: number; weight: number };
  offset: number;
  limit: number;
}

export interface CoursePage {
  items: Course[];
  total: number;
}

/** A community's course catalog. */
export interface CourseStore {
  /** Allocates the next per-community course number atomically. */
  createCourse(communityId: string, course: NewCourse): Promise<Course>;
  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course>;
  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course>;
  getCourseByNumber(communityId: string, number: number): Promise<Course | null>;
  getCourse(communityId: string, courseId: string): Promise<Course | null>;
  /** Courses whose title starts with `prefix` (case-insensitive), active ones only unless asked. */
  findCoursesByTitlePrefix(communityId: string, prefix: string, limit: number, includeArchived?: boolean): Promise<Course[]>;
  listCourses(communityId: string, query: CourseQuery): Promise<CoursePage>;
  /** Every active course: the input of score computations. */
  listActiveCourses(communityId: string): Promise<Course[]>;
  /** Rating count and sum over active courses: the community mean C of the Bayesian prior. */
  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }>;
}
