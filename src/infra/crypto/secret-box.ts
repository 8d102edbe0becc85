import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../../ports/secret-box.ts';

/** How to make a key, quoted in every message about a missing or bad one. */
export const MAKE_KEY_HINT = 'openssl rand -base64 32';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The key configured as SYLLABOT_ENCRYPTION_KEY. A rotation would add a new id beside it. */
export const CURRENT_KEY_ID = 1;

/**
 * A 32-byte key written as 64 hex digits or as base64 (padded or not, standard or URL-safe
 * alphabet); null when the text is neither or decodes to another length.
 */
export function decodeEncryptionKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}

/**
 * AES-256-GCM. Layout of a sealed value: one byte key id, a random 12-byte IV, the 16-byte
 * authentication tag, then the ciphertext. The key id says which key sealed it, so keys can be
 * rotated later (open with the old id, seal with the new) without guessing.
 */
export class AesGcmSecretBox implements SecretBox {
  private readonly keys: ReadonlyMap<number, Buffer>;

  constructor(
    keys: ReadonlyMap<number, Buffer>,
    private readonly currentKeyId: number = CURRENT_KEY_ID,
  ) {
    for (const [id, key] of keys) {
      if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error(`Encryption key id ${id} must be a byte (0-255).`);
      if (key.length !== KEY_BYTES) throw new Error(`Encryption key ${id} must be ${KEY_BYTES} bytes.`);
    }
    if (!keys.has(currentKeyId)) throw new Error(`No encryption key with id ${currentKeyId}.`);
    this.keys = keys;
  }

  /** The box for SYLLABOT_ENCRYPTION_KEY; throws a message that says how to make a key. */
  static fromConfig(encoded: string | undefined): AesGcmSecretBox {
    const key = encoded ? decodeEncryptionKey(encoded) : null;
    if (!key) {
      throw new Error(`SYLLABOT_ENCRYPTION_KEY must be ${KEY_BYTES} bytes as base64 or hex; make one with: ${MAKE_KEY_HINT}`);
    }
    return new AesGcmSecretBox(new Map([[CURRENT_KEY_ID, key]]));
  }

  seal(plaintext: string, context: string): Uint8Array {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(this.currentKeyId), iv, cipher.getAuthTag(), ciphertext]);
  }

  open(sealed: Uint8Array, context: string): string {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES) throw new Error('Sealed secret is truncated.');
    const keyId = bytes[0]!;
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`Sealed secret uses encryption key ${keyId}, which this process does not have.`);
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // GCM says only "unable to authenticate": a wrong key, another context, or altered bytes.
      throw new Error('Sealed secret does not open: altered, sealed for another record, or sealed with another SYLLABOT_ENCRYPTION_KEY.');
    }
  }
}
