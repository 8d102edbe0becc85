import type { PipelineStage, Types } from 'mongoose';
import type { CourseSort } from '../../ports/store/index.ts';
import type { CourseListFilter } from './filters.ts';

/**
 * Aggregation pipelines, built as plain data so unit tests can check them without a server.
 * No user text appears in an expression: filters go through `$match` (where a string is always
 * a literal), and the only numbers in expressions are the prior, checked to be finite.
 */

/** Fields the page pipeline adds for sorting and strips again before returning documents. */
const RANK_FIELDS = ['_unrated', '_weighted'] as const;

export interface Prior {
  mean: number;
  weight: number;
}

function finite(value: number | undefined, name: string): number {
  const n = value ?? 0;
  if (!Number.isFinite(n)) throw new RangeError(`${name} must be a finite number`);
  return n;
}

/**
 * Orders the way the SQLite store does:
 * - `number`: course number ascending;
 * - `new`: newest first, higher number first on equal times;
 * - `top`: rated before unrated, then the Bayesian weighted rating (S + m·C) / (n + m)
 *   descending, then more ratings, then lower number (the number is unique, so the order is total).
 */
export function courseSortStages(sort: CourseSort, prior?: Prior): PipelineStage[] {
  if (sort === 'number') return [{ $sort: { number: 1 } }];
  if (sort === 'new') return [{ $sort: { createdAt: -1, number: -1 } }];
  const weight = finite(prior?.weight, 'prior weight');
  const priorSum = weight * finite(prior?.mean, 'prior mean');
  return [
    {
      $addFields: {
        _unrated: { $cond: [{ $gt: ['$ratingCount', 0] }, 0, 1] },
        // $cond evaluates only the branch it takes, so an unrated course never divides by m = 0.
        _weighted: {
          $cond: [{ $gt: ['$ratingCount', 0] }, { $divide: [{ $add: ['$ratingSum', priorSum] }, { $add: ['$ratingCount', weight] }] }, 0],
        },
      },
    },
    { $sort: { _unrated: 1, _weighted: -1, ratingCount: -1, number: 1 } },
  ];
}

/** One page of `listCourses`. `limit` must be at least 1: `$limit: 0` is an error in MongoDB. */
export function coursePagePipeline(filter: CourseListFilter, sort: CourseSort, prior: Prior | undefined, offset: number, limit: number): PipelineStage[] {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset must be a whole number ≥ 0');
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
  const stages: PipelineStage[] = [{ $match: { ...filter } }, ...courseSortStages(sort, prior)];
  if (offset > 0) stages.push({ $skip: offset });
  stages.push({ $limit: limit });
  if (sort === 'top') stages.push({ $project: Object.fromEntries(RANK_FIELDS.map((f) => [f, 0])) });
  return stages;
}

/** Rating counts per star value for one course: `[{ _id: stars, n }]`. */
export function starHistogramPipeline(communityId: Types.ObjectId, courseId: Types.ObjectId): PipelineStage[] {
  return [{ $match: { communityId, courseId } }, { $group: { _id: '$stars', n: { $sum: 1 } } }];
}

/** Every course's true rating count and sum in a community: `[{ _id: courseId, count, sum }]`. */
export function ratingTotalsPipeline(communityId: Types.ObjectId): PipelineStage[] {
  return [{ $match: { communityId } }, { $group: { _id: '$courseId', count: { $sum: 1 }, sum: { $sum: '$stars' } } }];
}

/** Every course's true enrollment count in a community: `[{ _id: courseId, count }]`. */
export function enrollmentTotalsPipeline(communityId: Types.ObjectId): PipelineStage[] {
  return [{ $match: { communityId } }, { $group: { _id: '$courseId', count: { $sum: 1 } } }];
}
