import type { Locale } from '../domain/model.ts';
import type { StatsData } from '../domain/stats.ts';

/** The words a chart shows, already in the reader's language. */
export interface ChartLabels {
  score: string;
  satisfaction: string;
  coverage: string;
  enrollments: string;
  ratings: string;
  enrolled: string;
  rated: string;
}

export interface ChartImage {
  svg: string;
  png: Uint8Array;
}

/** Draws the /stats chart (the same definition for chat PNGs and the dashboard's inline SVG). */
export interface ChartRenderer {
  svg(data: StatsData, labels: ChartLabels): Promise<string>;
  png(data: StatsData, labels: ChartLabels): Promise<ChartImage>;
}

/** Addresses on the dashboard server, when it runs. */
export interface DashboardLinks {
  /** A one-time sign-in link (15 minutes) for this moderator and community. */
  signInLink(input: { communityId: string; memberId: string; locale: Locale }): string;
  /**
   * A public address of the /stats chart PNG for this community and window (signed, short-lived),
   * or null when there is no PUBLIC_URL for a platform to fetch it from.
   */
  chartUrl(input: { communityId: string; days: number; locale: Locale }): string | null;
}

export interface Analytics {
  /** Null where no renderer is wired (then /stats answers in text only). */
  charts: ChartRenderer | null;
  /** Null when DASHBOARD_PORT is unset; set by whoever starts the dashboard. */
  dashboard: DashboardLinks | null;
}

export const NO_ANALYTICS: Analytics = Object.freeze({ charts: null, dashboard: null });
