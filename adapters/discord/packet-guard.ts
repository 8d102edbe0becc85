import type { Client } from 'discord.js';
import type { Logger } from '../../src/ports/logger.ts';

interface PacketHandling {
  handlePacket?: (packet?: { t?: string | null }, shard?: unknown) => boolean;
}

/**
 * discord.js builds its objects from gateway packets inside a WebSocket event listener; a packet
 * it cannot read (a malformed or unfamiliar INTERACTION_CREATE) throws there, outside any code
 * of ours, and ends the process as an unhandled rejection. This wraps that one step of this
 * client so such a packet is logged and skipped. The e2e suite sends a malformed interaction to
 * prove it; if a discord.js upgrade renames the method, the guard logs that it is missing.
 */
export function guardPacketHandling(client: Client, logger: Logger): void {
  const manager = client.ws as unknown as PacketHandling;
  const handle = manager.handlePacket;
  if (typeof handle !== 'function') {
    logger.warn({}, 'discord.js has no WebSocketManager#handlePacket: malformed gateway packets are not guarded');
    return;
  }
  manager.handlePacket = function guardedHandlePacket(packet, shard) {
    try {
      return handle.call(this, packet, shard);
    } catch (err) {
      logger.error({ err, event: packet?.t ?? null }, 'discord gateway packet could not be handled; skipped');
      return true;
    }
  };
}
