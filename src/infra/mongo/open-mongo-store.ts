import type { Logger } from '../../ports/logger.ts';
import type { Store } from '../../ports/store.ts';
import { describeUrl } from '../logger.ts';

export async function openMongoStore(uri: string, logger: Logger): Promise<Store> {
  logger.error({ store: 'mongo', uri: describeUrl(uri) }, 'the MongoDB store is not built yet');
  throw new Error('MONGODB_URI is set but this build has no MongoDB store yet; unset it to use SQLite.');
}
