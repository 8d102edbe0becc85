import type { Platform } from '../domain/model.ts';
import type { Messenger } from './messenger.ts';

export interface ComponentHealth {
  ok: boolean;
  detail?: string;
}

/** A running connection to one chat platform: started and stopped by the process. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** Lets jobs post to channels and message members on this platform. */
  readonly messenger: Messenger;
  start(): Promise<void>;
  /** Stops taking new events and lets in-flight replies finish. */
  stop(): Promise<void>;
  health(): ComponentHealth;
}
