import { type KeyObject, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/*
 * A software passkey for the load generator (node:crypto only): an ES256 key pair and a credential
 * id, answering WebAuthn creation and request options the way a platform authenticator with user
 * verification would (attestation "none", flags UP and UV, a signature counter that stays 0, which
 * WebAuthn allows for authenticators without one, so many connections can sign at once).
 */

const b64u = (bytes: Buffer) => bytes.toString('base64url');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** The few CBOR items an attestation object needs (RFC 8949): integers, byte and text strings, maps. */
function cbor(value: number | string | Buffer | Map<number | string, unknown>): Buffer {
  const head = (major: number, length: number) => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
    const bytes = Buffer.alloc(3);
    bytes[0] = (major << 5) | 25;
    bytes.writeUInt16BE(length, 1);
    return bytes;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([
    head(5, value.size),
    ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v as number | string | Buffer | Map<number | string, unknown>)]),
  ]);
}

/** WebAuthn options as the server sends them: the options object itself, or wrapped in `publicKey` or `options`. */
export const unwrapOptions = (body: any): any => body?.publicKey ?? body?.options ?? body;

export class SoftwarePasskey {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly credentialId = randomBytes(16);
  private userHandle?: string;

  constructor(private readonly origin: string) {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }

  private get rpIdFallback(): string {
    return new URL(this.origin).hostname;
  }

  /** The RegistrationResponseJSON for creation options. */
  register(creationOptions: any): object {
    const options = unwrapOptions(creationOptions);
    const rpId: string = options.rp?.id ?? this.rpIdFallback;
    this.userHandle = options.user?.id;
    const jwk = this.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Buffer>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.credentialId.length);
    const authenticatorData = Buffer.concat([
      sha256(rpId),
      Buffer.from([0x45]), // UP, UV, AT (attested credential data follows)
      Buffer.alloc(4), // sign count 0
      Buffer.alloc(16), // AAGUID: none
      length,
      this.credentialId,
      cbor(coseKey),
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, unknown>()],
        ['authData', authenticatorData],
      ]),
    );
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: this.origin, crossOrigin: false }),
    );
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        authenticatorData: b64u(authenticatorData),
        transports: ['internal'],
        publicKeyAlgorithm: -7,
        publicKey: b64u(this.publicKey.export({ format: 'der', type: 'spki' })),
      },
    };
  }

  /** The AuthenticationResponseJSON for request options (a discoverable credential: the user handle included). */
  assert(requestOptions: any): object {
    const options = unwrapOptions(requestOptions);
    const authenticatorData = Buffer.concat([sha256(options.rpId ?? this.rpIdFallback), Buffer.from([0x05]), Buffer.alloc(4)]); // UP, UV; count 0
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: this.origin, crossOrigin: false }),
    );
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey); // DER, as WebAuthn wants
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        ...(this.userHandle && { userHandle: this.userHandle }),
      },
    };
  }
}
