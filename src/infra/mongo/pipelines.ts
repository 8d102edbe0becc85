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

/** What `coursePagePipeline` returns: one document (none when no course matched the filter on some servers). */
export interface CoursePageResult<T> {
  total: { n: number }[];
  items: T[];
}

/**
 * `listCourses` in one aggregation: `$facet` counts the matching courses and cuts the page from
 * the same matched documents, so the total and the items cannot disagree (two reads could, with
 * a write between them). A `null` limit asks for the total only (`$limit: 0` is an error).
 */
export function coursePagePipeline(filter: CourseListFilter, sort: CourseSort, prior: Prior | undefined, offset: number, limit: number | null): PipelineStage[] {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset must be a whole number ≥ 0');
  if (limit !== null && (!Number.isSafeInteger(limit) || limit < 1)) throw new RangeError('limit must be a whole number ≥ 1');
  const total: PipelineStage.FacetPipelineStage[] = [{ $count: 'n' }];
  if (limit === null) return [{ $match: { ...filter } }, { $facet: { total } }];
  const items = [...courseSortStages(sort, prior)] as PipelineStage.FacetPipelineStage[];
  if (offset > 0) items.push({ $skip: offset });
  items.push({ $limit: limit });
  if (sort === 'top') items.push({ $project: Object.fromEntries(RANK_FIELDS.map((f) => [f, 0])) });
  return [{ $match: { ...filter } }, { $facet: { total, items } }];
}

/** Rating count and sum over a community's active courses: `[{ ratingCount, ratingSum }]`, or none. */
export function activeRatingTotalsPipeline(communityId: Types.ObjectId): PipelineStage[] {
  return [
    { $match: { communityId, archived: false } },
    { $group: { _id: null, ratingCount: { $sum: '$ratingCount' }, ratingSum: { $sum: '$ratingSum' } } },
    { $project: { _id: 0, ratingCount: 1, ratingSum: 1 } },
  ];
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
