import type { Types } from 'mongoose';
import type { Course } from '../../domain/model.ts';
import type { CoursePage, CoursePatch, CourseQuery, CourseStore, NewCourse } from '../../ports/store/index.ts';
import { foldText, searchText } from '../text-fold.ts';
import { StorageUnavailableError, WriteRefusedError } from '../../domain/errors.ts';
import { retryOnDuplicateKey } from './errors.ts';
import { courseListFilter, isWholeNumber, parseObjectId, requireText, titlePrefixPattern } from './filters.ts';
import { toCourse } from './mapping.ts';
import type { CourseCounterDoc, CourseDoc, Lean } from './models.ts';
import { MongoPart } from './part.ts';
import type { CatalogSnapshot } from '../catalog/catalog-snapshot.ts';
import { activeRatingTotalsPipeline, coursePagePipeline, type CoursePageResult } from './pipelines.ts';

/** Edits of one course that keep losing the compare-and-set to other edits give up after this many tries. */
const SEARCH_EDIT_ATTEMPTS = 10;

type CourseFields = Omit<CourseDoc, 'communityId' | 'number' | 'archived' | 'createdAt' | 'ratingCount' | 'ratingSum' | 'enrolledCount'>;

export class MongoCourseStore extends MongoPart implements CourseStore {
  createCourse(communityId: string, course: NewCourse): Promise<Course> {
    return this.guard(async () => {
      const id = this.requireId(communityId, 'community');
      if (!(await this.models.Community.exists({ _id: id }))) throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
      const fields = courseFields(course);
      return retryOnDuplicateKey(async (attempt) => {
        // A collision means the counter is behind the courses (say, restored from an older
        // backup): move it past the highest number in use, then allocate again.
        if (attempt > 1) await this.repairCounter(id);
        const counter = await this.models.CourseCounter.findOneAndUpdate({ _id: id }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' }).lean<CourseCounterDoc>();
        const { doc, change } = await this.write(async (session) => {
          const created = await this.models.Course.insertOne(
            { ...fields, communityId: id, number: counter.last, archived: false, createdAt: new Date(), ratingCount: 0, ratingSum: 0, enrolledCount: 0 },
            { session },
          );
          const doc = created.toObject<Lean<CourseDoc>>();
          return { doc, change: await this.changeCatalog(id, session, [doc]) };
        });
        this.catalogChanged(change);
        return toCourse(doc);
      });
    });
  }

  private async repairCounter(communityId: Types.ObjectId): Promise<void> {
    const highest = await this.models.Course.findOne({ communityId }).sort({ number: -1 }).select({ number: 1 }).lean<{ number: number }>();
    if (highest) await this.models.CourseCounter.updateOne({ _id: communityId }, { $max: { last: highest.number } }, { upsert: true });
  }

  /**
   * Sets only the fields given, so two moderators editing different fields of one course both
   * keep their edit, with or without transactions. The search copy depends on title,
   * description and tags together: an edit of any of them is written only if those three are
   * still what it read (compare-and-set), and read again and retried when another edit won.
   */
  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      if (!key) throw notInCommunity(communityId, courseId);
      const set = patchFields(patch);
      const filter = { _id: key.id, communityId: key.communityId };
      if (patch.title === undefined && patch.description === undefined && patch.tags === undefined) {
        const doc = await this.editCourse(filter, { $set: set });
        if (!doc) throw notInCommunity(communityId, courseId);
        return toCourse(doc);
      }
      for (let attempt = 1; attempt <= SEARCH_EDIT_ATTEMPTS; attempt++) {
        const current = await this.models.Course.findOne(filter).select({ title: 1, description: 1, tags: 1 }).lean<Pick<CourseDoc, 'title' | 'description' | 'tags'>>();
        if (!current) throw notInCommunity(communityId, courseId);
        const searched = { title: set.title ?? current.title, description: set.description ?? current.description, tags: set.tags ?? current.tags };
        const doc = await this.editCourse(
          { ...filter, title: current.title, description: current.description, tags: current.tags },
          { $set: { ...set, searchText: searchText(searched.title, searched.description, searched.tags) } },
        );
        if (doc) return toCourse(doc);
      }
      throw new StorageUnavailableError(new Error(`course ${courseId} kept changing during ${SEARCH_EDIT_ATTEMPTS} attempts to edit it`));
    });
  }

  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      const doc = key ? await this.editCourse({ _id: key.id, communityId: key.communityId }, { $set: { archived: archived === true } }) : null;
      if (!doc) throw notInCommunity(communityId, courseId);
      return toCourse(doc);
    });
  }

  /**
   * One course's edit, with the community's catalog version marked changed in the same
   * transaction (after it, without transactions). Null when the filter matched no course.
   */
  private async editCourse(filter: { _id: Types.ObjectId; communityId: Types.ObjectId } & Partial<Pick<CourseDoc, 'title' | 'description' | 'tags'>>, update: { $set: Partial<CourseDoc> }): Promise<Lean<CourseDoc> | null> {
    const { doc, change } = await this.write(async (session) => {
      const doc = await this.models.Course.findOneAndUpdate(filter, update, { returnDocument: 'after', session }).lean<Lean<CourseDoc>>();
      return { doc, change: doc ? await this.changeCatalog(filter.communityId, session, [doc]) : null };
    });
    this.catalogChanged(change);
    return doc;
  }

  getCourseByNumber(communityId: string, number: number): Promise<Course | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(number)) return null;
      const doc = await this.models.Course.findOne({ communityId: id, number }).lean<Lean<CourseDoc>>();
      return doc ? toCourse(doc) : null;
    });
  }

  getCourse(communityId: string, courseId: string): Promise<Course | null> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      if (!key) return null;
      const doc = await this.models.Course.findOne({ _id: key.id, communityId: key.communityId }).lean<Lean<CourseDoc>>();
      return doc ? toCourse(doc) : null;
    });
  }

  findCoursesByTitlePrefix(communityId: string, prefix: string, limit: number, includeArchived = false): Promise<Course[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      const pattern = titlePrefixPattern(prefix);
      if (!id || !isWholeNumber(limit) || limit < 1) return [];
      const filter = includeArchived ? { communityId: id, titleFold: pattern } : { communityId: id, titleFold: pattern, archived: false };
      const docs = await this.models.Course.find(filter).sort({ titleFold: 1, number: 1 }).limit(limit).lean<Lean<CourseDoc>[]>();
      return docs.map(toCourse);
    });
  }

  listCourses(communityId: string, query: CourseQuery): Promise<CoursePage> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return { items: [], total: 0 };
      // Search text that is not a string is refused below, not read as no search.
      const cached = query.text === undefined || typeof query.text === 'string' ? await this.fromCatalog(id, (catalog) => catalog.page(query)) : undefined;
      if (cached) return cached;
      const offset = isWholeNumber(query.offset) ? Math.max(0, query.offset) : 0;
      const limit = isWholeNumber(query.limit) && query.limit >= 1 ? query.limit : null;
      // One aggregation: the total and the page are computed from the same matched documents.
      const [page] = await this.models.Course.aggregate<CoursePageResult<Lean<CourseDoc>>>(coursePagePipeline(courseListFilter(id, query), query.sort, query.prior, offset, limit));
      return { items: (page?.items ?? []).map(toCourse), total: page?.total[0]?.n ?? 0 };
    });
  }

  listActiveCourses(communityId: string): Promise<Course[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      const cached = await this.fromCatalog(id, (catalog) => catalog.activeCourses());
      if (cached) return cached;
      return (await this.models.Course.find({ communityId: id, archived: false }).sort({ number: 1 }).lean<Lean<CourseDoc>[]>()).map(toCourse);
    });
  }

  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return { ratingCount: 0, ratingSum: 0 };
      const cached = await this.fromCatalog(id, (catalog) => catalog.activeRatingTotals());
      if (cached) return cached;
      const [totals] = await this.models.Course.aggregate<{ ratingCount: number; ratingSum: number }>(activeRatingTotalsPipeline(id));
      return totals ?? { ratingCount: 0, ratingSum: 0 };
    });
  }

  /**
   * A catalog read answered from the community's in-memory snapshot (VersionedCatalog: one
   * read of the community's version, and the courses only when they changed). Undefined when
   * the catalog is off, the community does not exist or the snapshot cannot answer the query:
   * the caller reads the store. Single-course reads always read the store: one round trip
   * either way.
   */
  private async fromCatalog<T>(communityId: Types.ObjectId, read: (catalog: CatalogSnapshot) => T | undefined): Promise<T | undefined> {
    const snapshot = await this.catalog?.snapshot(communityId.toHexString());
    return snapshot ? read(snapshot) : undefined;
  }
}

/** The stored course fields, including the folded copies search and prefix lookups match on. */
function courseFields(course: NewCourse): CourseFields {
  const title = requireText(course.title, 'title');
  const description = requireText(course.description, 'description');
  const tags = course.tags.map((tag) => requireText(tag, 'tag'));
  return {
    title,
    titleFold: foldText(title),
    searchText: searchText(title, description, tags),
    description,
    url: course.url === null ? null : requireText(course.url, 'url'),
    tags,
    value: positiveValue(course.value),
    startsAt: course.startsAt ?? null,
  };
}

/** The stored fields a patch sets, checked like a new course's, with the folded title beside the title. */
function patchFields(patch: CoursePatch): Partial<CourseFields> {
  const set: Partial<CourseFields> = {};
  if (patch.title !== undefined) {
    set.title = requireText(patch.title, 'title');
    set.titleFold = foldText(set.title);
  }
  if (patch.description !== undefined) set.description = requireText(patch.description, 'description');
  if (patch.url !== undefined) set.url = patch.url === null ? null : requireText(patch.url, 'url');
  if (patch.tags !== undefined) set.tags = patch.tags.map((tag) => requireText(tag, 'tag'));
  if (patch.value !== undefined) set.value = positiveValue(patch.value);
  if (patch.startsAt !== undefined) set.startsAt = patch.startsAt;
  return set;
}

function positiveValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError('value must be a positive number');
  return value;
}

function notInCommunity(communityId: string, courseId: string): WriteRefusedError {
  return new WriteRefusedError('course-not-found', `course ${courseId} is not in community ${communityId}`);
}
