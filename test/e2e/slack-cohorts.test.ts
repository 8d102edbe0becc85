import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackHarness, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { allText } from '../fakes/slack/blocks.ts';

/**
 * Course channels and members-only user groups on the real Slack adapter (Bolt) against the fake
 * Web API: invites on enroll, usergroups.users.list gating, and a missing scope named.
 */
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
  h.fake.addConversation('CCOURSE001', { name: 'rust-cohort' });
  h.fake.addConversation('GSECRET001', { name: 'secret', isPrivate: true, botMember: false });
  h.fake.userGroups.push({ id: 'SPREMIUM01', handle: 'premium', name: 'Premium members', users: [USERS.listed.id] });
});
afterAll(async () => {
  await h?.close();
});

async function command(user: { id: string }, name: string, text = ''): Promise<string> {
  const url = h.responses.newUrl();
  await h.client.sendForm(h.client.commandBody({ command: name, text, userId: user.id, responseUrl: url }));
  await h.adapter.whenIdle();
  return allText(h.responses.postsTo(url).at(-1)?.body ?? {});
}

describe('course channels and members-only courses on Slack', () => {
  it('given a course with a channel, when a member enrolls, then invited; leaving keeps them by default', async () => {
    // Slack sends a channel as <#C…|name>; the command text arrives escaped like that.
    expect(await command(USERS.admin, '/course', 'add title:"Rust cohort" channel:<#CCOURSE001|rust-cohort>')).toContain('Channel: #CCOURSE001');
    const enrolled = await command(USERS.member, '/enroll', '1');
    expect(enrolled).toContain("You're enrolled in #1 Rust cohort.");
    expect(enrolled).toContain('You were added to the course');
    const invites = h.fake.callsTo('conversations.invite');
    expect(invites.at(-1)?.body).toMatchObject({ channel: 'CCOURSE001', users: USERS.member.id });
    expect(h.fake.conversations.get('CCOURSE001')!.members.has(USERS.member.id)).toBe(true);
    await command(USERS.member, '/unenroll', '1');
    expect(h.fake.callsTo('conversations.kick')).toHaveLength(0);
    await command(USERS.admin, '/course', 'edit 1 channel_leave:on');
    await command(USERS.member, '/enroll', '1');
    await command(USERS.member, '/unenroll', '1');
    expect(h.fake.callsTo('conversations.kick').at(-1)?.body).toMatchObject({ channel: 'CCOURSE001', user: USERS.member.id });
    expect(h.fake.conversations.get('CCOURSE001')!.members.has(USERS.member.id)).toBe(false);
  });

  it('given a private channel without the bot, when set on a course, then the refusal says invite it', async () => {
    // Slack hides a private channel from a bot outside it: conversations.info says channel_not_found.
    const refused = await command(USERS.admin, '/course', 'add title:"Secret" channel:<#GSECRET001|secret>');
    expect(refused).toContain("the channel #GSECRET001 does not exist or the bot can't see it. Choose another channel or invite the bot.");
    expect(await h.store.findCoursesByTitlePrefix(await h.communityId(), 'Secret', 5)).toEqual([]);
  });

  it('given a members-only course gated by a user group, then usergroups.users.list decides who may enroll', async () => {
    // Slack's client turns @premium into <!subteam^SPREMIUM01|@premium>; the adapter reads the handle.
    expect(await command(USERS.admin, '/course', 'add title:"Premium track" requires:<!subteam^SPREMIUM01|@premium>')).toContain('Members-only: needs @premium');
    const refused = await command(USERS.member, '/enroll', 'Premium');
    expect(refused).toContain('is for members with the @premium role');
    expect(await command(USERS.listed, '/enroll', 'Premium')).toContain("You're enrolled in #");
    const lookups = h.fake.callsTo('usergroups.users.list');
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.at(-1)?.body).toMatchObject({ usergroup: 'SPREMIUM01' });
    // Cached briefly: asking again within the minute does not call Slack again.
    const before = h.fake.callsTo('usergroups.users.list').length;
    await command(USERS.member, '/enroll', 'Premium');
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(before);
  });

  it('given no channels:manage scope, when a channel is set or a member invited, then it is named', async () => {
    h.fake.withheldScopes.add('channels:manage');
    try {
      const refused = await command(USERS.admin, '/course', 'edit 1 channel:<#CCOURSE001|rust-cohort>');
      expect(refused).toContain('the app needs the Slack scope channels:manage');
      const enrolled = await command(USERS.chinese, '/enroll', '1');
      // The enrollment stands; the member hears the invite did not happen.
      expect(enrolled).toContain('#1 Rust cohort');
      expect(enrolled).toContain('#CCOURSE001');
      expect(h.fake.conversations.get('CCOURSE001')!.members.has(USERS.chinese.id)).toBe(false);
    } finally {
      h.fake.withheldScopes.delete('channels:manage');
    }
  });
});
