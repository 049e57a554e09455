import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { Repository } from 'typeorm';
import { authConfig, keysConfig } from '../config/configuration';
import type { SigningAlgorithm } from './jws';
import { decryptPrivateKey, encryptPrivateKey, generateKeyPair, isEncrypted, publicJwk, thumbprint } from './key-material';
import { SigningKey } from './signing-key.entity';

export interface LoadedKey {
  kid: string;
  algorithm: SigningAlgorithm;
  /** Parsed once; parsing a PEM on every signature or verification costs 10-40x more. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  createdAt: Date;
  retiredAt: Date | null;
}

/** How often every instance re-reads the keys, so a rotation made elsewhere reaches it. */
export const KEY_RELOAD_INTERVAL_SECONDS = 60;
/** Tokens are accepted this long past exp, and keys are kept this much longer. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** An unknown kid makes an instance re-read the keys at most this often. */
const UNKNOWN_KID_RELOAD_SECONDS = 5;

/**
 * The one owner of access-token signing keys, shared by every instance through the database.
 * The newest live key signs; every key verifies until the last token it may have signed has expired.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private readonly logger = new Logger(KeysService.name);
  private keys = new Map<string, LoadedKey>();
  private signer!: LoadedKey;
  private lastReload = 0;

  constructor(
    @InjectRepository(SigningKey) private readonly signingKeys: Repository<SigningKey>,
    @Inject(keysConfig.KEY) private readonly config: ConfigType<typeof keysConfig>,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.encryptStoredKeys();
    await this.reload();
    // First start, or the operator chose another algorithm: a new key takes over, old ones keep verifying.
    if (!this.signer || this.signer.algorithm !== this.config.algorithm) await this.rotate();
  }

  signingKey(): LoadedKey {
    return this.signer;
  }

  /** A live key by kid. An unknown kid may be a key another instance just made: re-read, rarely. */
  async verificationKey(kid: unknown): Promise<LoadedKey | undefined> {
    if (typeof kid !== 'string') return undefined;
    const key = this.keys.get(kid);
    if (key) return this.isLive(key, Date.now()) ? key : undefined;
    if (Date.now() - this.lastReload < UNKNOWN_KID_RELOAD_SECONDS * 1000) return undefined;
    await this.reload();
    return this.keys.get(kid);
  }

  /** The public keys for GET /.well-known/jwks.json: every key that may still have live tokens. */
  jwks(): { keys: Array<Record<string, string>> } {
    const now = Date.now();
    const live = [...this.keys.values()].filter((key) => this.isLive(key, now));
    return { keys: live.map((key) => ({ ...publicJwk(key.publicKey), kid: key.kid, alg: key.algorithm, use: 'sig' })) };
  }

  /**
   * A new key signs from now on. Older keys retire once every token they may have signed has expired:
   * one access-token lifetime, plus the time other instances take to notice, plus the clock tolerance.
   */
  async rotate(): Promise<LoadedKey> {
    const now = Date.now();
    const graceSeconds = this.auth.accessTtl + KEY_RELOAD_INTERVAL_SECONDS + CLOCK_TOLERANCE_SECONDS;
    await this.signingKeys
      .createQueryBuilder()
      .update(SigningKey)
      .set({ retiredAt: new Date(now + graceSeconds * 1000) })
      .where('retired_at IS NULL')
      .execute();
    const key = this.newKey(new Date(now));
    await this.signingKeys.insert(key);
    await this.reload();
    this.logger.log(`signing key ${key.kid} (${key.algorithm}) now signs`);
    return this.signer;
  }

  /** Whether the signing key is older than AUTH_KEY_ROTATION_INTERVAL (0: never). */
  rotationDue(now = Date.now()): boolean {
    return this.config.rotationInterval > 0 && now - this.signer.createdAt.getTime() >= this.config.rotationInterval * 1000;
  }

  async reload(): Promise<void> {
    const now = Date.now();
    this.lastReload = now;
    const rows = await this.signingKeys.find({ order: { createdAt: 'ASC', kid: 'ASC' } });
    const live = rows.filter((row) => row.retiredAt === null || row.retiredAt.getTime() > now);
    this.keys = new Map(live.map((row) => [row.kid, this.load(row)]));
    const signers = [...this.keys.values()].filter((key) => key.retiredAt === null);
    // When instances rotate at once, each inserts a key; all of them sign with the newest.
    const newest = signers.at(-1) ?? [...this.keys.values()].at(-1);
    if (newest) this.signer = newest;
  }

  /** Deletes keys retired more than a day ago; nothing they signed can still be valid. */
  async pruneRetired(): Promise<void> {
    await this.signingKeys
      .createQueryBuilder()
      .delete()
      .from(SigningKey)
      .where('retired_at IS NOT NULL AND retired_at < :cutoff', { cutoff: Date.now() - 86400_000 })
      .execute();
  }

  private isLive(key: LoadedKey, now: number): boolean {
    return key.retiredAt === null || key.retiredAt.getTime() > now;
  }

  private newKey(createdAt: Date): SigningKey {
    const { publicKey, privateKey } = generateKeyPair(this.config.algorithm);
    const kid = thumbprint(publicKey);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      kid,
      algorithm: this.config.algorithm,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey: this.config.encryptionSecret ? encryptPrivateKey(pem, this.config.encryptionSecret, kid) : pem,
      createdAt,
      retiredAt: null,
    };
  }

  private load(row: SigningKey): LoadedKey {
    let pem = row.privateKey;
    if (isEncrypted(pem)) {
      if (!this.config.encryptionSecret) {
        throw new Error(`Signing key ${row.kid} is encrypted: set AUTH_KEY_ENCRYPTION_SECRET to the secret it was encrypted with`);
      }
      try {
        pem = decryptPrivateKey(pem, this.config.encryptionSecret, row.kid);
      } catch {
        throw new Error(`Signing key ${row.kid} cannot be decrypted: AUTH_KEY_ENCRYPTION_SECRET is not the secret it was encrypted with`);
      }
    }
    return {
      kid: row.kid,
      algorithm: row.algorithm as SigningAlgorithm,
      privateKey: createPrivateKey(pem),
      publicKey: createPublicKey(row.publicKey),
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
    };
  }

  /** With a key-encryption secret configured, keys stored in the clear are encrypted in place. */
  private async encryptStoredKeys(): Promise<void> {
    const secret = this.config.encryptionSecret;
    if (!secret) return;
    for (const row of await this.signingKeys.find()) {
      if (isEncrypted(row.privateKey)) continue;
      await this.signingKeys.update(
        { kid: row.kid, privateKey: row.privateKey },
        { privateKey: encryptPrivateKey(row.privateKey, secret, row.kid) },
      );
    }
  }
}
