import type { Config } from '../../src/config.ts';
import type { Logger } from '../../src/ports/logger.ts';

// Placeholder until the Discord adapter lands (issue 4).
export async function runRegisterCommands(_args: { guild?: string | undefined }, _config: Config, _logger: Logger): Promise<number> {
  throw new Error('register-commands is not built yet.');
}
