import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { LOCALES, type Locale } from '../../src/domain/model.ts';

/**
 * Signed tokens for the dashboard: `<payload>.<signature>`, both base64url, the signature an
 * HMAC-SHA256 over the payload with a purpose prefix, so a chart token can never pass as a
 * sign-in token. Nothing secret is inside: the payload is readable, only unforgeable.
 */
const signInSchema = z.object({
  p: z.literal('signin'),
  c: z.string().min(1).max(64),
  m: z.string().min(1).max(64),
  l: z.enum(LOCALES),
  e: z.number().int(),
  n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});
const chartSchema = z.object({ p: z.literal('chart'), c: z.string().min(1).max(64), d: z.number().int(), l: z.enum(LOCALES), e: z.number().int() });

export interface SignIn {
  communityId: string;
  memberId: string;
  locale: Locale;
  expiresAt: number;
  /** Single use: the nonce is claimed on sign-in. */
  nonce: string;
}

export interface ChartRef {
  communityId: string;
  days: number;
  locale: Locale;
  expiresAt: number;
}

export class TokenSigner {
  constructor(private readonly secret: Buffer) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`syllabot-dashboard:${payload}`).digest('base64url');
  }

  private seal(value: object): string {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The payload when the signature is right (compared in constant time), else null. */
  private open(token: string): unknown {
    if (token.length > 1024) return null;
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
  }

  signIn(input: { communityId: string; memberId: string; locale: Locale; expiresAt: number }): string {
    return this.seal({ p: 'signin', c: input.communityId, m: input.memberId, l: input.locale, e: input.expiresAt, n: randomBytes(18).toString('base64url') });
  }

  /** A well-signed, unexpired sign-in token's contents; null for anything else. */
  readSignIn(token: string, now: number): SignIn | null {
    const parsed = signInSchema.safeParse(this.open(token));
    if (!parsed.success || parsed.data.e <= now) return null;
    return { communityId: parsed.data.c, memberId: parsed.data.m, locale: parsed.data.l, expiresAt: parsed.data.e, nonce: parsed.data.n };
  }

  chart(input: ChartRef): string {
    return this.seal({ p: 'chart', c: input.communityId, d: input.days, l: input.locale, e: input.expiresAt });
  }

  readChart(token: string, now: number): ChartRef | null {
    const parsed = chartSchema.safeParse(this.open(token));
    if (!parsed.success || parsed.data.e <= now) return null;
    return { communityId: parsed.data.c, days: parsed.data.d, locale: parsed.data.l, expiresAt: parsed.data.e };
  }
}

/**
 * The signing key: DASHBOARD_SECRET, else derived from a secret every process of a deployment
 * already shares (so links made by one bot process work on another), else random for this
 * process alone (links then work only here; the log says so).
 */
export function dashboardSecret(sources: { dashboardSecret?: string | undefined; shared: (string | undefined)[] }): { key: Buffer; derived: 'configured' | 'derived' | 'random' } {
  if (sources.dashboardSecret) return { key: createHmac('sha256', 'syllabot-dashboard-key').update(sources.dashboardSecret).digest(), derived: 'configured' };
  const shared = sources.shared.find((s) => s && s.length > 0);
  if (shared) return { key: createHmac('sha256', 'syllabot-dashboard-derived-key').update(shared).digest(), derived: 'derived' };
  return { key: randomBytes(32), derived: 'random' };
}
