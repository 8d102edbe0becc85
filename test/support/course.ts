import type { Course } from '../../src/domain/model.ts';

/**
 * A domain course for tests that need one without a store: what names it, and the neutral rest
 * (no text, no tags, value 1, active, unrated, nobody enrolled) unless `figures` says otherwise.
 */
export function aCourse(names: Pick<Course, 'id' | 'communityId' | 'number' | 'title'>, figures: Partial<Course> = {}): Course {
  return {
    ...names,
    description: '',
    url: null,
    tags: [],
    value: 1,
    startsAt: null,
    archived: false,
    createdAt: new Date(0),
    ratingCount: 0,
    ratingSum: 0,
    enrolledCount: 0,
    ...figures,
  };
}
