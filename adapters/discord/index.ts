import type { AdapterDeps } from '../../src/app.ts';
import type { PlatformAdapter } from '../../src/ports/platform.ts';

// Placeholder until the Discord adapter lands (issue 4).
export function createDiscordAdapter(_deps: AdapterDeps): PlatformAdapter {
  throw new Error('The Discord adapter is not built yet.');
}
