import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

/*
 * A software WebAuthn authenticator for the e2e tests: an ES256 key per credential, authenticator data
 * with the flags a platform authenticator sets (UP, UV, AT at registration), attestation "none", and a
 * clientDataJSON as a browser would write it. The server verifies real signatures over real bytes; a
 * test changes one thing (origin, rp id, flags, challenge) to play an attack.
 */

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a recursive type needs the interface
interface CborMap extends Map<number | string, Cbor> {}
type Cbor = number | string | Uint8Array | CborMap | { [key: string]: Cbor };

/** The little of CBOR (RFC 8949) that attestation objects and COSE keys need: ints, byte and text strings, maps. */
function cbor(value: Cbor): Buffer {
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 256) return Buffer.from([(major << 5) | 24, length]);
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(length, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The user handle the relying party gave at registration (base64url). */
  userHandle: string;
  counter: number;
}

/** What a test may change in one ceremony, to play an attack. */
export interface Tamper {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** User verification done (default true). */
  uv?: boolean;
  type?: string;
}

export interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

export interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: Array<{ id: string }>;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    /** The origin the browser runs on. */
    readonly origin: string,
  ) {}

  /** navigator.credentials.create(): a new ES256 credential, as its registration response JSON. */
  create(options: CreationOptions, tamper: Tamper = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: SoftCredential = { id: randomBytes(32), privateKey, publicKey, userHandle: options.user.id, counter: 0 };
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authDataHead(tamper.rpId ?? options.rp.id!, FLAG_UP | (tamper.uv === false ? 0 : FLAG_UV) | FLAG_AT, 0),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credential.id,
      cbor(coseKey),
    ]);
    const clientDataJSON = this.clientData(tamper.type ?? 'webauthn.create', tamper.challenge ?? options.challenge, tamper.origin);
    this.credentials.push(credential);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(cbor({ fmt: 'none', attStmt: {}, authData })),
        transports: ['internal'],
      },
    };
  }

  /**
   * navigator.credentials.get(): signs the challenge with `credential` (default: the first allowed one
   * we hold, else our first), as its authentication response JSON.
   */
  get(options: RequestOptions, tamper: Tamper = {}, credential?: SoftCredential) {
    const allowed = options.allowCredentials?.map((c) => c.id) ?? [];
    const chosen = credential ?? this.credentials.find((c) => allowed.includes(b64url(c.id))) ?? this.credentials[0];
    chosen.counter += 1;
    const authData = this.authDataHead(tamper.rpId ?? options.rpId!, FLAG_UP | (tamper.uv === false ? 0 : FLAG_UV), chosen.counter);
    const clientDataJSON = this.clientData(tamper.type ?? 'webauthn.get', tamper.challenge ?? options.challenge, tamper.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), chosen.privateKey); // DER, as WebAuthn wants for ES256
    return {
      id: b64url(chosen.id),
      rawId: b64url(chosen.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: chosen.userHandle,
      },
    };
  }

  private authDataHead(rpId: string, flags: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
