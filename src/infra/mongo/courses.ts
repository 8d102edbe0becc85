import type { Types } from 'mongoose';
import type { Course } from '../../domain/model.ts';
import type { CoursePage, CoursePatch, CourseQuery, CourseStore, NewCourse } from '../../ports/store/index.ts';
import { foldText, searchText } from '../text-fold.ts';
import { retryOnDuplicateKey } from './errors.ts';
import { courseListFilter, isWholeNumber, parseObjectId, requireText, titlePrefixPattern } from './filters.ts';
import { toCourse } from './mapping.ts';
import type { CourseCounterDoc, CourseDoc, Lean } from './models.ts';
import { MongoPart } from './part.ts';
import { coursePagePipeline } from './pipelines.ts';

type CourseFields = Omit<CourseDoc, 'communityId' | 'number' | 'archived' | 'createdAt' | 'ratingCount' | 'ratingSum' | 'enrolledCount'>;

export class MongoCourseStore extends MongoPart implements CourseStore {
  createCourse(communityId: string, course: NewCourse): Promise<Course> {
    return this.guard(async () => {
      const id = this.requireId(communityId, 'community');
      if (!(await this.models.Community.exists({ _id: id }))) throw new Error(`community ${communityId} does not exist`);
      const fields = courseFields(course);
      return retryOnDuplicateKey(async (attempt) => {
        // A collision means the counter is behind the courses (say, restored from an older
        // backup): move it past the highest number in use, then allocate again.
        if (attempt > 1) await this.repairCounter(id);
        const counter = await this.models.CourseCounter.findOneAndUpdate({ _id: id }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' }).lean<CourseCounterDoc>();
        const created = await this.models.Course.insertOne({
          ...fields,
          communityId: id,
          number: counter.last,
          archived: false,
          createdAt: new Date(),
          ratingCount: 0,
          ratingSum: 0,
          enrolledCount: 0,
        });
        return toCourse(created.toObject<Lean<CourseDoc>>());
      });
    });
  }

  private async repairCounter(communityId: Types.ObjectId): Promise<void> {
    const highest = await this.models.Course.findOne({ communityId }).sort({ number: -1 }).select({ number: 1 }).lean<{ number: number }>();
    if (highest) await this.models.CourseCounter.updateOne({ _id: communityId }, { $max: { last: highest.number } }, { upsert: true });
  }

  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course> {
    return this.guard(() =>
      // In a transaction a concurrent edit of the same course is a write conflict and retried;
      // on a standalone server the later edit wins.
      this.write(async (session) => {
        const key = this.scoped(communityId, courseId);
        const current = key ? await this.models.Course.findOne({ _id: key.id, communityId: key.communityId }).session(session ?? null).lean<Lean<CourseDoc>>() : null;
        if (!key || !current) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
        const next = courseFields({
          title: patch.title ?? current.title,
          description: patch.description ?? current.description,
          url: patch.url === undefined ? current.url : patch.url,
          tags: patch.tags ?? current.tags,
          value: patch.value ?? current.value,
          startsAt: patch.startsAt === undefined ? current.startsAt : patch.startsAt,
        });
        const doc = await this.models.Course.findOneAndUpdate({ _id: key.id, communityId: key.communityId }, { $set: next }, { returnDocument: 'after', session }).lean<Lean<CourseDoc>>();
        if (!doc) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
        return toCourse(doc);
      }),
    );
  }

  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      const doc = key
        ? await this.models.Course.findOneAndUpdate({ _id: key.id, communityId: key.communityId }, { $set: { archived: archived === true } }, { returnDocument: 'after' }).lean<Lean<CourseDoc>>()
        : null;
      if (!doc) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
      return toCourse(doc);
    });
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
      const filter = courseListFilter(id, query);
      const total = await this.models.Course.countDocuments(filter);
      const offset = isWholeNumber(query.offset) ? Math.max(0, query.offset) : 0;
      if (!isWholeNumber(query.limit) || query.limit < 1 || offset >= total) return { items: [], total };
      const docs = await this.models.Course.aggregate<Lean<CourseDoc>>(coursePagePipeline(filter, query.sort, query.prior, offset, query.limit));
      return { items: docs.map(toCourse), total };
    });
  }

  listActiveCourses(communityId: string): Promise<Course[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      return (await this.models.Course.find({ communityId: id, archived: false }).sort({ number: 1 }).lean<Lean<CourseDoc>[]>()).map(toCourse);
    });
  }

  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return { ratingCount: 0, ratingSum: 0 };
      const [totals] = await this.models.Course.aggregate<{ ratingCount: number; ratingSum: number }>([
        { $match: { communityId: id, archived: false } },
        { $group: { _id: null, ratingCount: { $sum: '$ratingCount' }, ratingSum: { $sum: '$ratingSum' } } },
        { $project: { _id: 0, ratingCount: 1, ratingSum: 1 } },
      ]);
      return totals ?? { ratingCount: 0, ratingSum: 0 };
    });
  }
}

/** The stored course fields, including the folded copies search and prefix lookups match on. */
function courseFields(course: NewCourse): CourseFields {
  const title = requireText(course.title, 'title');
  const description = requireText(course.description, 'description');
  const tags = course.tags.map((tag) => requireText(tag, 'tag'));
  if (typeof course.value !== 'number' || !Number.isFinite(course.value) || course.value <= 0) throw new RangeError('value must be a positive number');
  return {
    title,
    titleFold: foldText(title),
    searchText: searchText(title, description, tags),
    description,
    url: course.url === null ? null : requireText(course.url, 'url'),
    tags,
    value: course.value,
    startsAt: course.startsAt ?? null,
  };
}
