import { PassThrough } from 'node:stream';
import { createConsoleAdapter, type ConsoleAdapter, type ConsoleAdapterConfig } from '../../adapters/console/console-adapter.ts';
import type { Core } from '../../src/core/facade.ts';

/**
 * The console adapter as tests drive it: English, not interactive, nothing typed (lines go
 * through `runLine`), for one community of `core`; files a command returns go to `exportsDir`.
 */
export function lineConsole(core: Pick<Core, 'router' | 'catalog'>, options: { community: string } & Pick<ConsoleAdapterConfig, 'exportsDir' | 'now'>): ConsoleAdapter {
  return createConsoleAdapter({
    router: core.router,
    locale: 'en',
    i18n: core.catalog.translator('en'),
    input: new PassThrough(),
    output: new PassThrough(),
    interactive: false,
    ...options,
  });
}
