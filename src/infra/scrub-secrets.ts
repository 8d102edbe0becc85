/**
 * The one list of secret environment variables: their values are scrubbed from every log line
 * and error (here), and `config.<name>` is redacted by path in logged objects (logger.ts).
 */
export const SECRET_VARIABLES = [
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SYLLABOT_ENCRYPTION_KEY',
  'DASHBOARD_SECRET',
  'MONGODB_URI',
  'REDIS_URL',
] as const;

export type SecretSource = Partial<Record<(typeof SECRET_VARIABLES)[number], string | undefined>>;

const CENSOR = '[redacted]';
/** Shorter values are not scrubbed: replacing "1" everywhere would garble text for nothing. */
const MIN_SECRET_LENGTH = 6;

/**
 * Every form in which a configured secret could show up in text: the value itself, its URL
 * encoding, JSON escaping, base64 and hex, and for URLs the password part alone
 * (`mongodb://u:PASS@host`).
 */
export function secretForms(source: SecretSource): string[] {
  const forms = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const value = source[name];
    if (!value) continue;
    const url = parseUrl(value);
    // A connection string without credentials (the default redis://127.0.0.1:6379) is not
    // secret, and hiding it would only make logs useless.
    if (url && !url.password && !url.username && !url.search) continue;
    const parts = [value];
    if (url?.password) parts.push(decodeURIComponent(url.password));
    for (const part of parts) {
      const bytes = Buffer.from(part);
      // JSON-escaped too: that is how a value with quotes or backslashes appears in a log line.
      for (const form of [part, JSON.stringify(part).slice(1, -1), encodeURIComponent(part), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
      }
    }
  }
  // Longest first, so a URL is replaced whole before its password is looked for.
  return [...forms].sort((a, b) => b.length - a.length);
}

function isFormList(source: SecretSource | readonly string[]): source is readonly string[] {
  return Array.isArray(source);
}

function parseUrl(value: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Replaces every known secret in text meant for a terminal or a log: from a config or env, or forms from secretForms. */
export function scrubSecrets(text: string, source: SecretSource | readonly string[]): string {
  const forms: readonly string[] = isFormList(source) ? source : secretForms(source);
  let out = text;
  for (const form of forms) {
    if (out.includes(form)) out = out.split(form).join(CENSOR);
  }
  return out;
}
