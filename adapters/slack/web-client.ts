import type { Logger as BoltLogger, webApi } from '@slack/bolt';

/**
 * Options for every Web API client of the adapter and of workers' messengers. A member waits
 * on most calls, and a failed delivery is retried by its job with back-off, so a couple of
 * quick retries suffice, not Bolt's default of ten over half an hour.
 */
export function webClientOptions(logger: BoltLogger, apiUrl: string | undefined): webApi.WebClientOptions {
  return {
    logger,
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
    timeout: 10_000,
    // The client joins method names to its base URL, which must end with a slash.
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
  };
}
