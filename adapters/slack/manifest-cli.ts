import type { Config } from '../../src/config.ts';

// Placeholder until the Slack adapter lands (issue 5).
export async function printSlackManifest(_args: { url?: string | undefined }, _config: Config): Promise<number> {
  throw new Error('slack-manifest is not built yet.');
}
