import type { Course } from '../domain/model.ts';
import { communityScore, rankCourses } from '../domain/score.ts';
import type { Store } from '../ports/store/index.ts';
import { TRANSFER_KINDS, type StoreTransfer, type TransferKind } from '../ports/store/transfer.ts';

export interface KindCount {
  kind: TransferKind;
  source: number;
  target: number;
}

/** One community's figures as `/score` and `/courses` compute them. */
export interface CommunityFigures {
  score: number;
  satisfaction: number;
  coverage: number;
  members: number;
  /** Course numbers in Bayesian order, as `/courses sort:top` lists them. */
  ranking: number[];
  /** Every course with every field but the store ids, in number order. */
  catalog: string;
}

export interface Verification {
  counts: KindCount[];
  /** Human-readable differences; empty when source and target agree. */
  differences: string[];
  communities: number;
}

export async function figuresOf(store: Store, communityId: string, priorWeight: number): Promise<CommunityFigures> {
  const [active, members, all] = await Promise.all([
    store.listActiveCourses(communityId),
    store.countMembers(communityId),
    store.listCourses(communityId, { includeArchived: true, sort: 'number', offset: 0, limit: 1_000_000 }),
  ]);
  const score = communityScore(members, active);
  return {
    score: score.score,
    satisfaction: score.satisfaction,
    coverage: score.coverage,
    members,
    ranking: rankCourses(active, priorWeight).map((r) => r.item.number),
    catalog: JSON.stringify(all.items.map(withoutIds)),
  };
}

function withoutIds(course: Course): Omit<Course, 'id' | 'communityId'> {
  const { id: _id, communityId: _community, ...rest } = course;
  return rest;
}

/**
 * Compares the stores after a copy: row counts per kind, then per source community the score
 * G, its factors, N, the Bayesian ranking and the whole catalog. `only` restricts the
 * per-community checks (after --merge, communities the target already had differ by design).
 */
export async function verifyCopy(
  source: { store: Store; transfer: StoreTransfer },
  target: { store: Store; transfer: StoreTransfer },
  options: { priorWeight: number; merged: boolean; skipCommunities?: ReadonlySet<string> },
): Promise<Verification> {
  const differences: string[] = [];
  const counts: KindCount[] = [];
  for (const kind of TRANSFER_KINDS) {
    const [s, t] = await Promise.all([source.transfer.count(kind), target.transfer.count(kind)]);
    counts.push({ kind, source: s, target: t });
    if (options.merged ? t < s : t !== s) differences.push(`${kind}: ${s} in the source, ${t} in the target`);
  }
  const communities = await source.store.listCommunities();
  let compared = 0;
  for (const community of communities) {
    const label = `${community.platform}:${community.externalId}`;
    if (options.skipCommunities?.has(label)) continue;
    const copy = await target.store.findCommunity(community);
    if (!copy) {
      differences.push(`community ${label} is missing in the target`);
      continue;
    }
    compared += 1;
    const [a, b] = await Promise.all([figuresOf(source.store, community.id, options.priorWeight), figuresOf(target.store, copy.id, options.priorWeight)]);
    for (const key of ['score', 'satisfaction', 'coverage', 'members'] as const) {
      if (a[key] !== b[key]) differences.push(`community ${label}: ${key} ${a[key]} in the source, ${b[key]} in the target`);
    }
    if (a.ranking.join() !== b.ranking.join()) differences.push(`community ${label}: ranking ${a.ranking.join(',')} in the source, ${b.ranking.join(',')} in the target`);
    if (a.catalog !== b.catalog) differences.push(`community ${label}: the catalogs differ`);
    if (JSON.stringify(community.settings) !== JSON.stringify(copy.settings)) differences.push(`community ${label}: the settings differ`);
  }
  return { counts, differences, communities: compared };
}
