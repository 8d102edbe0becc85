import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FakeDiscord, FakeGuild, JsonObject, RecordedRequest } from './fake-discord.ts';
import { snowflake } from './snowflake.ts';

/**
 * INTERACTION_CREATE payloads as Discord sends them (from the recorded fixtures), for a member
 * of a fake guild: slash commands, autocomplete, button clicks and modal submits.
 */

type Json = JsonObject[string];
const fixture = (name: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as JsonObject;

/** Permission bits as decimal strings, the way Discord sends them. */
export const PERMISSIONS = {
  /** View Channel, Send Messages, Embed Links, Read Message History, Use Application Commands. */
  member: (1024n | 2048n | 16384n | 65536n | 2147483648n).toString(),
  moderator: (1024n | 2048n | 16384n | 65536n | 2147483648n | 32n).toString(),
  administrator: (8n | 1024n | 2048n).toString(),
};

export interface FakeMember {
  id: string;
  username: string;
  globalName?: string | null;
  nick?: string | null;
  permissions?: string;
  roles?: string[];
  locale?: string;
}

/** `{ role: id }` is a role-type option (Discord sends its id, with the role under `resolved`). */
export type OptionValue = string | number | boolean | { role: string };
export interface SentInteraction {
  id: string;
  token: string;
  shard: number;
}

const OPTION_TYPE = { subcommand: 1, string: 3, integer: 4, boolean: 5, channel: 7, role: 8, number: 10 } as const;

function typedOption(name: string, value: OptionValue, focused = false): JsonObject {
  if (typeof value === 'object') return { name, type: OPTION_TYPE.role, value: value.role };
  const type =
    typeof value === 'boolean' ? OPTION_TYPE.boolean : typeof value === 'number' ? (Number.isInteger(value) ? OPTION_TYPE.integer : OPTION_TYPE.number) : OPTION_TYPE.string;
  return { name, type, value, ...(focused ? { focused: true } : {}) };
}

function userOf(member: FakeMember): JsonObject {
  return {
    id: member.id,
    username: member.username,
    global_name: member.globalName ?? null,
    discriminator: '0',
    avatar: null,
    avatar_decoration_data: null,
    public_flags: 0,
    primary_guild: null,
    collectibles: null,
    clan: null,
  };
}

/** The common part of every guild interaction: who, where, which locale. */
function base(fake: FakeDiscord, guild: FakeGuild | null, member: FakeMember): JsonObject {
  const template = fixture('interaction-chat-input');
  const id = snowflake();
  const token = `aW50ZXJhY3Rpb246${Buffer.from(id).toString("base64url")}${randomBytes(48).toString("base64url")}`;
  const common: JsonObject = {
    ...template,
    id,
    token,
    application_id: fake.applicationId,
    locale: member.locale ?? 'en-US',
  };
  if (!guild) {
    const channelId = snowflake();
    const dm: JsonObject = { ...common, channel: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [userOf(member)] }, channel_id: channelId, user: userOf(member), context: 1, authorizing_integration_owners: { '0': snowflake() } };
    for (const key of ['guild', 'guild_id', 'guild_locale', 'member']) delete dm[key];
    return dm;
  }
  const channel = { ...(template.channel as JsonObject), id: guild.channelId, guild_id: guild.id };
  return {
    ...common,
    guild: { id: guild.id, locale: guild.locale, features: ['COMMUNITY', 'NEWS'] },
    guild_id: guild.id,
    guild_locale: guild.locale,
    channel,
    channel_id: guild.channelId,
    authorizing_integration_owners: { '0': guild.id },
    member: {
      ...(template.member as JsonObject),
      user: userOf(member),
      nick: member.nick ?? null,
      // Discord sends the roles the member holds now, including those the bot gave.
      roles: [...new Set([...(member.roles ?? []), ...fake.rolesOf(guild.id, member.id)])],
      permissions: member.permissions ?? PERMISSIONS.member,
    },
  };
}

/** `/courses sort:new` is `('courses', {sort: 'new'})`; `/course add` is `('course add', {...})`. */
function commandData(fake: FakeDiscord, guild: FakeGuild | null, command: string, options: JsonObject[]): JsonObject {
  const [name, sub] = command.split(' ');
  return {
    id: snowflake(),
    name: name!,
    type: 1,
    options: sub ? [{ name: sub, type: OPTION_TYPE.subcommand, options }] : options,
    ...(guild && fake.commands.has(guild.id) ? { guild_id: guild.id } : {}),
  };
}

export function slashCommand(
  fake: FakeDiscord,
  guild: FakeGuild | null,
  member: FakeMember,
  command: string,
  options: Record<string, OptionValue> = {},
  delivery: { expired?: boolean; everySession?: boolean } = {},
): SentInteraction {
  const payload = base(fake, guild, member);
  payload.type = 2;
  payload.data = commandData(fake, guild, command, Object.entries(options).map(([n, v]) => typedOption(n, v)));
  return fake.sendInteraction(payload, delivery);
}

export function autocomplete(
  fake: FakeDiscord,
  guild: FakeGuild | null,
  member: FakeMember,
  command: string,
  focused: { name: string; value: string },
  others: Record<string, OptionValue> = {},
): SentInteraction {
  const payload = base(fake, guild, member);
  payload.type = 4;
  const options = [...Object.entries(others).map(([n, v]) => typedOption(n, v)), typedOption(focused.name, focused.value, true)];
  payload.data = commandData(fake, guild, command, options);
  return fake.sendInteraction(payload);
}

/** A click on a button of `message` (a message the bot sent, as the fake stored it). */
export function clickButton(fake: FakeDiscord, guild: FakeGuild | null, member: FakeMember, customId: string, message?: JsonObject): SentInteraction {
  const payload = base(fake, guild, member);
  const template = fixture('interaction-message-component');
  payload.type = 3;
  payload.data = { component_type: 2, custom_id: customId };
  payload.message = { ...(template.message as JsonObject), id: snowflake(), channel_id: (payload.channel_id as string), author: fake.botUser, ...(message ?? {}) };
  return fake.sendInteraction(payload);
}

/** A modal submitted with `values` for its text inputs (custom ids), as Label components. */
export function submitModal(fake: FakeDiscord, guild: FakeGuild | null, member: FakeMember, customId: string, values: Record<string, string>): SentInteraction {
  const payload = base(fake, guild, member);
  const template = fixture('interaction-modal-submit');
  payload.type = template.type!;
  let id = 1;
  payload.data = {
    ...(template.data as JsonObject),
    custom_id: customId,
    components: Object.entries(values).map(([input, value]) => ({ type: 18, id: id++, component: { type: 4, id: id++, custom_id: input, value } })),
  };
  return fake.sendInteraction(payload);
}

// ── Reading what the bot answered ─────────────────────────────────────────────────────────

export const isCallback = (i: SentInteraction) => (r: RecordedRequest) => r.method === 'POST' && r.path === `/interactions/${i.id}/${i.token}/callback`;
export const isOriginalEdit = (i: SentInteraction) => (r: RecordedRequest) => r.method === 'PATCH' && r.path.endsWith(`/${i.token}/messages/@original`);
export const isOriginalDelete = (i: SentInteraction) => (r: RecordedRequest) => r.method === 'DELETE' && r.path.endsWith(`/${i.token}/messages/@original`);
export const isFollowUp = (i: SentInteraction) => (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith(`/${i.token}`) && r.path.startsWith('/webhooks/');

export interface CallbackBody {
  type: number;
  data?: MessageData;
}

export interface MessageData {
  content?: string;
  flags?: number;
  embeds?: EmbedData[];
  components?: RowData[];
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] };
  choices?: { name: string; value: string }[];
  custom_id?: string;
  title?: string;
}

export interface EmbedData {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
}

export interface RowData {
  type: number;
  components: ({ type: number; custom_id?: string; label?: string; style?: number; disabled?: boolean } & JsonObject)[];
}

export function callbackBody(r: RecordedRequest): CallbackBody {
  return r.body as unknown as CallbackBody;
}

export function messageBody(r: RecordedRequest): MessageData {
  return r.body as unknown as MessageData;
}

/** Every button's custom_id in a message, with its label. */
export function buttonsOf(message: MessageData | undefined): { label: string; customId: string; disabled: boolean }[] {
  return (message?.components ?? []).flatMap((row) =>
    row.components.map((c) => ({ label: String(c.label ?? ''), customId: String(c.custom_id ?? ''), disabled: Boolean(c.disabled) })),
  );
}

/** All text a message shows, for "does it mention X" assertions. */
export function textOf(message: MessageData | undefined): string {
  if (!message) return '';
  const parts = [message.content ?? ''];
  for (const e of message.embeds ?? []) {
    parts.push(e.title ?? '', e.description ?? '', e.footer?.text ?? '');
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
  }
  return parts.join('\n');
}

export type { Json };
