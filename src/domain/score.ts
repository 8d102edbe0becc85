/**
 * The community score from the founding document, its exact factorisation, and the Bayesian
 * ranking of courses.
 *
 *   G = Σ_u Σ_c R_uc·V_c / (N · Σ_c V_c)      (a missing rating counts as 0)
 *
 * Because Σ_u R_uc is a course's rating sum, G needs only per-course aggregates:
 *   G = Σ_c V_c·S_c / (N · Σ_c V_c)
 * and it factors exactly as
 *   satisfaction = Σ_c V_c·S_c / Σ_c V_c·n_c   (value-weighted mean of the ratings given)
 *   coverage     = Σ_c V_c·n_c / (N · Σ_c V_c) (share of possible value-weighted ratings given)
 *   G = satisfaction · coverage
 */
export interface CourseAggregate {
  /** V_c, the moderator-set value (default 1). */
  value: number;
  /** n_c, how many members rated the course. */
  ratingCount: number;
  /** S_c, the sum of their stars. */
  ratingSum: number;
}

export interface CommunityScore {
  score: number;
  satisfaction: number;
  coverage: number;
  memberCount: number;
  courseCount: number;
  ratingCount: number;
}

export function communityScore(memberCount: number, courses: readonly CourseAggregate[]): CommunityScore {
  let totalValue = 0;
  let weightedSum = 0;
  let weightedCount = 0;
  let ratingCount = 0;
  for (const course of courses) {
    totalValue += course.value;
    weightedSum += course.value * course.ratingSum;
    weightedCount += course.value * course.ratingCount;
    ratingCount += course.ratingCount;
  }
  const possible = memberCount * totalValue;
  const score = possible > 0 ? weightedSum / possible : 0;
  const coverage = possible > 0 ? weightedCount / possible : 0;
  const satisfaction = weightedCount > 0 ? weightedSum / weightedCount : 0;
  return { score, satisfaction, coverage, memberCount, courseCount: courses.length, ratingCount };
}

/**
 * IMDb-style weighted rating: a course's mean pulled toward the community mean C by a prior
 * worth `priorWeight` ratings, so one 5-star rating cannot outrank a hundred 4.8s.
 *   WR = v/(v+m)·R + m/(v+m)·C
 */
export interface BayesianInput {
  ratingCount: number;
  ratingSum: number;
}

export const DEFAULT_PRIOR_WEIGHT = 5;

export function communityMean(courses: readonly BayesianInput[]): number {
  let sum = 0;
  let count = 0;
  for (const c of courses) {
    sum += c.ratingSum;
    count += c.ratingCount;
  }
  return count > 0 ? sum / count : 0;
}

export function bayesianRating(course: BayesianInput, mean: number, priorWeight = DEFAULT_PRIOR_WEIGHT): number | null {
  const v = course.ratingCount;
  if (v === 0) return null;
  const m = priorWeight;
  return (v / (v + m)) * (course.ratingSum / v) + (m / (v + m)) * mean;
}

export interface Ranked<T> {
  item: T;
  rank: number;
  weighted: number;
}

/**
 * Rated courses by weighted rating (ties: more ratings first, then lower number);
 * unrated courses are not ranked.
 */
export function rankCourses<T extends BayesianInput & { number: number }>(
  courses: readonly T[],
  priorWeight = DEFAULT_PRIOR_WEIGHT,
): Ranked<T>[] {
  const mean = communityMean(courses);
  const rated: { item: T; weighted: number }[] = [];
  for (const item of courses) {
    const weighted = bayesianRating(item, mean, priorWeight);
    if (weighted !== null) rated.push({ item, weighted });
  }
  rated.sort(byRank);
  return rated.map((r, i) => ({ ...r, rank: i + 1 }));
}

type Weighed<T> = { item: T; weighted: number };

function byRank<T extends BayesianInput & { number: number }>(a: Weighed<T>, b: Weighed<T>): number {
  return b.weighted - a.weighted || b.item.ratingCount - a.item.ratingCount || a.item.number - b.item.number;
}

/**
 * The first `count` of rankCourses, without sorting every course: `/score` shows three of a
 * catalog of hundreds on every call.
 */
export function topRanked<T extends BayesianInput & { number: number }>(
  courses: readonly T[],
  count: number,
  priorWeight = DEFAULT_PRIOR_WEIGHT,
): Ranked<T>[] {
  const mean = communityMean(courses);
  const top: Weighed<T>[] = [];
  for (const item of courses) {
    const weighted = bayesianRating(item, mean, priorWeight);
    if (weighted === null) continue;
    const entry = { item, weighted };
    if (top.length === count && (count === 0 || byRank(entry, top[count - 1]!) >= 0)) continue;
    let at = top.length;
    while (at > 0 && byRank(entry, top[at - 1]!) < 0) at--;
    top.splice(at, 0, entry);
    if (top.length > count) top.pop();
  }
  return top.map((r, i) => ({ ...r, rank: i + 1 }));
}

/**
 * The place in rankCourses of the course `isMine` picks (and how many are ranked), by counting
 * the courses ahead of it instead of sorting them all. `ranked` is null when it has no ratings
 * or is not among the courses, as rankCourses would leave it out.
 */
export function rankOf<T extends BayesianInput & { number: number }>(
  courses: readonly T[],
  isMine: (course: T) => boolean,
  priorWeight = DEFAULT_PRIOR_WEIGHT,
): { ranked: Ranked<T> | null; total: number } {
  const mean = communityMean(courses);
  const course = courses.find(isMine);
  const mine = course === undefined ? null : bayesianRating(course, mean, priorWeight);
  let ahead = 0;
  let total = 0;
  for (const item of courses) {
    const weighted = bayesianRating(item, mean, priorWeight);
    if (weighted === null) continue;
    total++;
    if (mine !== null && item !== course && byRank({ item, weighted }, { item: course!, weighted: mine }) < 0) ahead++;
  }
  return { ranked: mine === null ? null : { item: course!, weighted: mine, rank: ahead + 1 }, total };
}

export function averageRating(course: BayesianInput): number | null {
  return course.ratingCount > 0 ? course.ratingSum / course.ratingCount : null;
}
