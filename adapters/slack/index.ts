import type { AdapterDeps } from '../../src/app.ts';
import type { PlatformAdapter } from '../../src/ports/platform.ts';

// Placeholder until the Slack adapter lands (issue 5).
export function createSlackAdapter(_deps: AdapterDeps): PlatformAdapter {
  throw new Error('The Slack adapter is not built yet.');
}
