/**
 * Seals secrets (platform tokens) before they are stored, and opens them when needed. Sealed
 * bytes are encrypted and authenticated: the store keeps them as opaque data and never sees a
 * secret. `context` names what the secret belongs to (`slack:T123`): a sealed value opens only
 * under the same context, so a row copied onto another workspace's row is refused.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): Uint8Array;
  /** Throws when the bytes were altered, sealed for another context or with a key this process lacks. */
  open(sealed: Uint8Array, context: string): string;
}
