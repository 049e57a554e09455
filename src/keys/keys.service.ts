import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { KEYS_OPTIONS, type KeysModuleOptions } from './keys.options';
import { EnvError, type SigningAlgorithm } from '../config/env';
import { KeyEncryptionSecret, resolveKeyEncryptionSecret } from './key-encryption-secret';
import {
  decryptPrivateKey,
  derivedKey,
  encryptPrivateKey,
  generateKeyPair,
  isEncrypted,
  openAtRest,
  publicJwk,
  sealAtRest,
  thumbprint,
} from './key-material';
import { SigningKey } from './signing-key.entity';

export interface LoadedKey {
  kid: string;
  algorithm: SigningAlgorithm;
  /** Parsed once, not per signature or verification. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK the JWKS publishes, made once per load. */
  jwk: Record<string, string>;
  createdAt: Date;
  activatesAt: Date;
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
 * A new key is published in the JWKS at once but signs only from its activation, so verifiers that
 * cache the key set learn it before they meet its first token. The newest active key signs; every
 * key verifies until the last token it may have signed has expired.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private readonly logger = new Logger(KeysService.name);
  private keys = new Map<string, LoadedKey>();
  private signer!: LoadedKey;
  /** A published key waiting for its activation. */
  private pending: LoadedKey | undefined;
  /** When an unknown kid last made this instance re-read (not the periodic reload: see verificationKey). */
  private lastUnknownKidReload = 0;
  private encryption!: KeyEncryptionSecret;

  constructor(
    @InjectRepository(SigningKey) private readonly signingKeys: Repository<SigningKey>,
    @Inject(KEYS_OPTIONS) private readonly config: KeysModuleOptions,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.encryption = resolveKeyEncryptionSecret(this.config, this.config.databaseUrl);
    if (!this.encryption.secret) this.logger.warn('AUTH_ALLOW_PLAINTEXT_KEYS=true: private signing keys are stored in the clear');
    await this.encryptStoredKeys();
    await this.reload();
    // First start: a key signs at once (no verifier can know of any key yet).
    if (!this.signer) await this.rotate({ immediately: true });
    // The operator chose another algorithm: a new key takes over after the activation delay.
    const newest = this.pending ?? this.signer;
    if (newest.algorithm !== this.config.algorithm) await this.rotate();
  }

  /**
   * A secret other than a signing key (a TOTP secret), encrypted at rest as the signing keys are, bound
   * to `context`; in the clear only under AUTH_ALLOW_PLAINTEXT_KEYS.
   */
  sealAtRest(plaintext: string, context: string): string {
    return this.encryption.secret ? sealAtRest(plaintext, this.encryption.secret, context) : plaintext;
  }

  /** What sealAtRest sealed; throws when the stored value was sealed with another secret or for another context. */
  openAtRest(stored: string, context: string): string {
    if (!isEncrypted(stored)) return stored;
    if (!this.encryption.secret) throw new Error('A secret at rest is encrypted and no key-encryption secret is set');
    return openAtRest(stored, this.encryption.secret, context);
  }

  /** A key for keyed hashes of `purpose` (recovery codes); a fixed one under AUTH_ALLOW_PLAINTEXT_KEYS. */
  hashKey(purpose: string): Buffer {
    return derivedKey(this.encryption.secret ?? '', purpose);
  }

  signingKey(): LoadedKey {
    if (this.pending && this.pending.activatesAt.getTime() <= this.clock.now()) {
      this.signer = this.pending;
      this.pending = undefined;
    }
    return this.signer;
  }

  /**
   * A live key by kid. An unknown kid may be a key another instance just made: re-read, at most every
   * few seconds. The throttle counts only these re-reads: two instances starting together each make
   * a first key, and the other's must be found at its first token, not after the start's own read.
   */
  async verificationKey(kid: unknown): Promise<LoadedKey | undefined> {
    if (typeof kid !== 'string') return undefined;
    const key = this.keys.get(kid);
    const now = this.clock.now();
    if (key) return this.isLive(key, now) ? key : undefined;
    if (now - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_SECONDS * 1000) return undefined;
    this.lastUnknownKidReload = now;
    await this.reload();
    return this.keys.get(kid);
  }

  /** The public keys for GET /.well-known/jwks.json: every key that may still have live tokens. */
  jwks(): { keys: Array<Record<string, string>> } {
    const now = this.clock.now();
    const live = [...this.keys.values()].filter((key) => this.isLive(key, now));
    return { keys: live.map((key) => ({ ...key.jwk, kid: key.kid, alg: key.algorithm, use: 'sig' })) };
  }

  /**
   * Introduces a new key: published now, signing from AUTH_KEY_ACTIVATION_DELAY on (or at once).
   * Older keys retire once every token they may have signed has expired: one access-token lifetime
   * after the new key activates, plus the time other instances take to notice, plus the clock tolerance.
   */
  async rotate(options: { immediately?: boolean } = {}): Promise<LoadedKey> {
    const now = this.clock.now();
    const activatesAt = now + (options.immediately ? 0 : this.config.activationDelay * 1000);
    const graceSeconds = this.config.accessTtl + KEY_RELOAD_INTERVAL_SECONDS + CLOCK_TOLERANCE_SECONDS;
    await this.signingKeys
      .createQueryBuilder()
      .update(SigningKey)
      .set({ retiredAt: new Date(activatesAt + graceSeconds * 1000) })
      .where('retired_at IS NULL')
      .execute();
    const row = await this.newKey(new Date(now), new Date(activatesAt));
    const kid = row.kid; // read before insert(), which may rewrite the object with raw column values
    await this.signingKeys.insert(row);
    await this.reload();
    const key = this.keys.get(kid)!;
    this.logger.log(`signing key ${kid} (${key.algorithm}) published; it signs from ${key.activatesAt.toISOString()}`);
    return key;
  }

  /** Whether the newest key is older than AUTH_KEY_ROTATION_INTERVAL (0: never). */
  rotationDue(now = this.clock.now()): boolean {
    const newest = this.pending ?? this.signer;
    return this.config.rotationInterval > 0 && now - newest.createdAt.getTime() >= this.config.rotationInterval * 1000;
  }

  async reload(): Promise<void> {
    const now = this.clock.now();
    const rows = await this.signingKeys.find({ order: { createdAt: 'ASC', kid: 'ASC' } });
    const live = rows.filter((row) => row.retiredAt === null || row.retiredAt.getTime() > now);
    const loaded = await Promise.all(live.map((row) => this.load(row)));
    this.keys = new Map(loaded.map((key) => [key.kid, key]));
    const byActivation = [...this.keys.values()].sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
    // When instances rotate at once, each inserts a key; all of them end up signing with the newest.
    const active = byActivation.filter((key) => key.activatesAt.getTime() <= now);
    const current = active.filter((key) => key.retiredAt === null).at(-1) ?? active.at(-1);
    if (current) this.signer = current;
    this.pending = byActivation.filter((key) => key.activatesAt.getTime() > now && key.retiredAt === null).at(-1);
  }

  /** Deletes keys retired more than a day ago; nothing they signed can still be valid. */
  async pruneRetired(): Promise<void> {
    await this.signingKeys
      .createQueryBuilder()
      .delete()
      .from(SigningKey)
      .where('retired_at IS NOT NULL AND retired_at < :cutoff', { cutoff: this.clock.now() - 86400_000 })
      .execute();
  }

  private isLive(key: LoadedKey, now: number): boolean {
    return key.retiredAt === null || key.retiredAt.getTime() > now;
  }

  private async newKey(createdAt: Date, activatesAt: Date): Promise<SigningKey> {
    const { publicKey, privateKey } = generateKeyPair(this.config.algorithm);
    const kid = await thumbprint(publicKey);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      kid,
      algorithm: this.config.algorithm,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey: this.encryption.secret ? encryptPrivateKey(pem, this.encryption.secret, kid) : pem,
      createdAt,
      activatesAt,
      retiredAt: null,
    };
  }

  private async load(row: SigningKey): Promise<LoadedKey> {
    let pem = row.privateKey;
    const { secret, source } = this.encryption;
    if (isEncrypted(pem)) {
      if (!secret) {
        throw new EnvError(`Signing key ${row.kid} is encrypted: set AUTH_KEY_ENCRYPTION_SECRET to the secret it was encrypted with`);
      }
      try {
        pem = decryptPrivateKey(pem, secret, row.kid);
      } catch {
        throw new EnvError(`Signing key ${row.kid} cannot be decrypted: the key-encryption secret (${source}) is not the one it was encrypted with`);
      }
    }
    const publicKey = createPublicKey(row.publicKey);
    return {
      kid: row.kid,
      algorithm: row.algorithm as SigningAlgorithm,
      privateKey: createPrivateKey(pem),
      publicKey,
      jwk: await publicJwk(publicKey),
      createdAt: row.createdAt,
      activatesAt: row.activatesAt,
      retiredAt: row.retiredAt,
    };
  }

  /** Keys stored in the clear (by an older version, or under the opt-out) are encrypted in place. */
  private async encryptStoredKeys(): Promise<void> {
    const secret = this.encryption.secret;
    if (!secret) return;
    for (const row of await this.signingKeys.find()) {
      if (isEncrypted(row.privateKey)) continue;
      await this.signingKeys.update({ kid: row.kid, privateKey: row.privateKey }, { privateKey: encryptPrivateKey(row.privateKey, secret, row.kid) });
    }
  }
}
