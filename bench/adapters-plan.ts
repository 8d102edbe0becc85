import type { CommandRequest } from '../src/core/router.ts';
import type { FakeUser } from '../test/fakes/slack/web-api.ts';
import type { DiscordCall, OptionValue, SlackCall } from './adapters-protocol.ts';
import { RequestPlanner, type PlannedCommand, type PlannedOp } from './core-plan.ts';
import { toRequest } from './core-requests.ts';
import type { SeededCommunity } from './fixtures/community.ts';

/**
 * One list of operations (part 1's mix: 60% /courses, 15% /enroll, 15% /rate, 10% /score),
 * dressed four ways: as Discord slash commands, as Slack slash commands, and as the
 * CommandRequests each adapter builds from them for the router baseline. Both communities are
 * seeded alike, so the same operation means the same thing on either platform.
 */
export interface AdapterPlan {
  commands: PlannedCommand[];
  discordCalls: DiscordCall[];
  slackCalls: SlackCall[];
  /** What the Discord adapter hands the router for each call (actorOf/communityOf). */
  routerDiscord: CommandRequest[];
  /** What the Slack adapter hands the router for each call (identify + the command text). */
  routerSlack: CommandRequest[];
  slackUsers: FakeUser[];
  distinctMembers: number;
}

export interface PlatformPlace {
  discord: { seeded: SeededCommunity; guild: { id: string; name: string; locale: string } };
  slack: { seeded: SeededCommunity; team: { id: string; name: string } };
}

const SURFACE = { forms: true, buttons: true } as const;

export function planAdapterRequests(place: PlatformPlace, warmup: number, measured: number, seed: number): AdapterPlan {
  const planner = new RequestPlanner(place.discord.seeded, seed);
  const ops = [...planner.plan(warmup), ...planner.plan(measured)];
  const { guild } = place.discord;
  const { team } = place.slack;
  const plan: AdapterPlan = {
    commands: ops.map((op) => op.command),
    discordCalls: [],
    slackCalls: [],
    routerDiscord: [],
    routerSlack: [],
    slackUsers: place.slack.seeded.members.map((m, i) => ({ id: m.member.externalId, name: userName(i), displayName: m.member.displayName, ...(m.locale ? { locale: m.locale } : {}) })),
    distinctMembers: new Set(ops.slice(warmup).map((op) => op.member)).size,
  };
  for (const op of ops) {
    const d = place.discord.seeded.members[op.member]!;
    const options = discordOptions(op, place.discord.seeded);
    plan.discordCalls.push({
      member: { id: d.member.externalId, username: userName(op.member), globalName: d.member.displayName, locale: d.locale },
      command: op.command,
      options,
    });
    plan.routerDiscord.push({
      community: { platform: 'discord', externalId: guild.id, name: guild.name, locale: guild.locale },
      // Discord always sends the member's client language; the fake sends en-US when none is set.
      actor: { externalId: d.member.externalId, displayName: d.member.displayName, isModerator: false, locale: d.locale ?? 'en-US' },
      input: { kind: 'structured', command: op.command, options },
      surface: SURFACE,
      rateLimited: true,
    });

    const s = place.slack.seeded.members[op.member]!;
    const text = slackText(op, place.slack.seeded);
    plan.slackCalls.push({ userId: s.member.externalId, userName: userName(op.member), command: `/${op.command}`, text });
    plan.routerSlack.push({
      community: { platform: 'slack', externalId: team.id, name: team.name },
      actor: { externalId: s.member.externalId, displayName: s.member.displayName, isModerator: false, locale: s.locale },
      input: { kind: 'text', command: op.command, text },
      surface: SURFACE,
      rateLimited: true,
    });
  }
  return plan;
}

function userName(index: number): string {
  return `member${index}`;
}

/** Part 1's rendering of the operation as Discord options. */
function discordOptions(op: PlannedOp, seeded: SeededCommunity): Record<string, OptionValue> {
  const { input } = toRequest({ ...op, input: 'structured' }, seeded);
  if (input.kind !== 'structured') throw new Error('expected structured options');
  const options: Record<string, OptionValue> = {};
  for (const [name, value] of Object.entries(input.options)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`option ${name} is not a Discord option value`);
    options[name] = value;
  }
  return options;
}

/** Part 1's rendering of the operation as the text typed after a Slack command. */
function slackText(op: PlannedOp, seeded: SeededCommunity): string {
  const { input } = toRequest({ ...op, input: 'text' }, seeded);
  if (input.kind !== 'text') throw new Error('expected command text');
  return input.text;
}
