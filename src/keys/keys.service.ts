import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { SigningKey } from './signing-key.entity';

export const ACCESS_TOKEN_ALGORITHM = 'ES256';

export interface LoadedKey {
  kid: string;
  algorithm: string;
  /** Parsed once: jsonwebtoken re-parses PEM strings on every call, 10-40x slower than a KeyObject. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  createdAt: Date;
}

/**
 * The one owner of access-token signing keys. The first start generates a key pair and stores it
 * in the database, so tokens survive restarts and every instance on the database shares the key.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private keys = new Map<string, LoadedKey>();
  private signer!: LoadedKey;

  constructor(@InjectRepository(SigningKey) private readonly signingKeys: Repository<SigningKey>) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (this.keys.size === 0) {
      await this.signingKeys.insert(generateSigningKey());
      await this.reload();
    }
  }

  /** The key that signs new tokens. */
  signingKey(): LoadedKey {
    return this.signer;
  }

  /** The public key for a token's `kid`, if it is one of ours and not retired. */
  verificationKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.keys.get(kid)?.publicKey : undefined;
  }

  private async reload(): Promise<void> {
    const rows = await this.signingKeys.find({ where: { retiredAt: IsNull() }, order: { createdAt: 'ASC', kid: 'ASC' } });
    this.keys = new Map(rows.map((row) => [row.kid, load(row)]));
    // Instances that start together may each insert a key; all of them sign with the oldest.
    const [oldest] = this.keys.values();
    if (oldest) this.signer = oldest;
  }
}

function load(row: SigningKey): LoadedKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    privateKey: createPrivateKey(row.privateKey),
    publicKey: createPublicKey(row.publicKey),
    createdAt: row.createdAt,
  };
}

function generateSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: thumbprint(publicKey),
    algorithm: ACCESS_TOKEN_ALGORITHM,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdAt: new Date(),
    retiredAt: null,
  };
}

/** RFC 7638 JWK thumbprint of an EC public key: the required members in lexicographic order. */
function thumbprint(publicKey: KeyObject): string {
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}
