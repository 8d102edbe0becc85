import type { Community, CommunityRef, CommunitySettings, Member } from '../../domain/model.ts';
import type { CommunityStore } from '../../ports/store/index.ts';
import { WriteRefusedError } from '../../domain/errors.ts';
import { retryOnDuplicateKey } from './errors.ts';
import { parseObjectId, requireText, settingsUpdate } from './filters.ts';
import { toCommunity, toMember } from './mapping.ts';
import type { CommunityDoc, Lean, MemberDoc } from './models.ts';
import { MongoPart } from './part.ts';

export class MongoCommunityStore extends MongoPart implements CommunityStore {
  findCommunity(ref: CommunityRef): Promise<Community | null> {
    return this.guard(async () => {
      const doc = await this.models.Community.findOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'community id') }).lean<Lean<CommunityDoc>>();
      return doc ? toCommunity(doc) : null;
    });
  }

  upsertCommunity(ref: CommunityRef, name: string): Promise<Community> {
    return this.guard(async () => {
      const filter = { platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'community id') };
      const doc = await retryOnDuplicateKey(() =>
        this.models.Community.findOneAndUpdate(
          filter,
          { $set: { name: requireText(name, 'community name') }, $setOnInsert: { settings: {}, createdAt: new Date() } },
          { upsert: true, returnDocument: 'after' },
        ).lean<Lean<CommunityDoc>>(),
      );
      return toCommunity(doc);
    });
  }

  getCommunity(communityId: string): Promise<Community | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return null;
      const doc = await this.models.Community.findOne({ _id: id }).lean<Lean<CommunityDoc>>();
      return doc ? toCommunity(doc) : null;
    });
  }

  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      const update = settingsUpdate(patch);
      const doc = !id
        ? null
        : update.$set || update.$unset
          ? await this.models.Community.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<Lean<CommunityDoc>>()
          : await this.models.Community.findOne({ _id: id }).lean<Lean<CommunityDoc>>();
      if (!doc) throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
      return toCommunity(doc);
    });
  }

  listCommunities(): Promise<Community[]> {
    return this.guard(async () => (await this.models.Community.find({}).sort({ _id: 1 }).lean<Lean<CommunityDoc>[]>()).map(toCommunity));
  }

  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member> {
    return this.guard(async () => {
      const id = this.requireId(communityId, 'community');
      const filter = { communityId: id, externalId: requireText(externalId, 'member id') };
      const name = requireText(displayName, 'display name');
      // Reads are the common case: only write when the member is new or renamed.
      const existing = await this.models.Member.findOne(filter).lean<Lean<MemberDoc>>();
      if (existing && existing.displayName === name) return toMember(existing);
      // Nothing in MongoDB ties a member to a community that exists: check, as SQLite's key does.
      if (!existing && !(await this.models.Community.exists({ _id: id }))) throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
      const doc = await retryOnDuplicateKey(() =>
        this.models.Member.findOneAndUpdate(
          filter,
          { $set: { displayName: name }, $setOnInsert: { remindersEnabled: true, joinedAt: new Date() } },
          { upsert: true, returnDocument: 'after' },
        ).lean<Lean<MemberDoc>>(),
      );
      return toMember(doc);
    });
  }

  findMember(communityId: string, externalId: string): Promise<Member | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return null;
      const doc = await this.models.Member.findOne({ communityId: id, externalId: requireText(externalId, 'member id') }).lean<Lean<MemberDoc>>();
      return doc ? toMember(doc) : null;
    });
  }

  getMember(communityId: string, memberId: string): Promise<Member | null> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return null;
      const doc = await this.models.Member.findOne({ _id: key.id, communityId: key.communityId }).lean<Lean<MemberDoc>>();
      return doc ? toMember(doc) : null;
    });
  }

  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return;
      await this.models.Member.updateOne({ _id: key.id, communityId: key.communityId }, { $set: { remindersEnabled: enabled === true } });
    });
  }

  countMembers(communityId: string): Promise<number> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      return id ? this.models.Member.countDocuments({ communityId: id }) : 0;
    });
  }
}
