import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { PasskeyResponseDto } from './dto/factors.response.dto';
import { PasskeyClient } from './entities/passkey-client.entity';
import { Passkey } from './entities/passkey.entity';
import type { ChallengePurpose } from './entities/webauthn-challenge.entity';
import { FACTORS_OPTIONS, type FactorsModuleOptions } from './factors.options';
import { CHALLENGE_TTL_SECONDS, signedChallenge, WebauthnChallengesService } from './webauthn-challenges.service';

/** The most passkeys one user may hold. */
export const MAX_PASSKEYS_PER_USER = 20;
const TIMEOUT_MS = (CHALLENGE_TTL_SECONDS - 30) * 1000;

/**
 * Passkeys (WebAuthn Level 3 through @simplewebauthn/server): discoverable credentials with user
 * verification required, at registration and at every use, so a passkey alone is a whole login
 * (something held and a PIN or biometric: amr hwk + user).
 */
@Injectable()
export class PasskeysService {
  constructor(
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @InjectRepository(PasskeyClient) private readonly passkeyClients: Repository<PasskeyClient>,
    private readonly challenges: WebauthnChallengesService,
    private readonly clock: Clock,
    @Inject(FACTORS_OPTIONS) private readonly config: FactorsModuleOptions,
  ) {}

  /** Creation options for a new passkey of this user: resident key and user verification required, their passkeys excluded. */
  async registrationOptions(userId: string, username: string) {
    const existing = await this.passkeys.find({ where: { userId }, select: { credentialId: true, transports: true } });
    const options = await generateRegistrationOptions({
      rpName: this.config.rpId,
      rpID: this.config.rpId,
      userName: username,
      userID: new TextEncoder().encode(userId),
      timeout: TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: transportsOf(passkey) })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    await this.challenges.remember(options.challenge, 'registration', userId);
    return options;
  }

  /** Verifies a registration response on a challenge issued to this user, and keeps the passkey; null when it does not verify. */
  async register(userId: string, credential: Record<string, unknown>, name: string | undefined): Promise<Passkey | null> {
    const challenge = signedChallenge(credential);
    if (!(await this.challenges.consume(challenge, 'registration', userId))) return null;
    const verification = await verifyRegistrationResponse({
      response: credential as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: this.config.origins,
      expectedRPID: this.config.rpId,
      requireUserVerification: true,
    }).catch(() => null);
    if (!verification?.verified) return null;
    const { credential: verified } = verification.registrationInfo;
    if ((await this.passkeys.countBy({ userId })) >= MAX_PASSKEYS_PER_USER)
      throw new ConflictException(`At most ${MAX_PASSKEYS_PER_USER} passkeys per user`);
    const passkey: Passkey = Object.assign(new Passkey(), {
      id: randomUUID(),
      userId,
      credentialId: verified.id,
      publicKey: Buffer.from(verified.publicKey).toString('base64url'),
      counter: verified.counter,
      transports: (verified.transports ?? []).join(','),
      name: name ?? `Passkey ${new Date(this.clock.now()).toISOString().slice(0, 10)}`,
      createdAt: new Date(this.clock.now()),
      lastUsedAt: null,
    });
    await this.passkeys.insert(passkey).catch(() => {
      throw new ConflictException('This passkey is already registered');
    });
    return passkey;
  }

  /**
   * Request options: for a second step (`mfa`) or a reauthentication, the user's own passkeys; for a
   * passwordless login (`login`), none named, so the browser offers its discoverable ones.
   */
  async authenticationOptions(purpose: ChallengePurpose, userId: string | null) {
    const allowed = userId === null ? [] : await this.passkeys.find({ where: { userId }, select: { credentialId: true, transports: true } });
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      timeout: TIMEOUT_MS,
      userVerification: 'required',
      allowCredentials: allowed.map((passkey) => ({ id: passkey.credentialId, transports: transportsOf(passkey) })),
    });
    await this.challenges.remember(options.challenge, purpose, userId);
    return options;
  }

  /**
   * The passkey that signed this response, if the signature, origin, rp id, user verification and
   * challenge (ours, for this purpose, unspent) all hold, and it belongs to `userId` when one is named
   * (a `login` challenge was issued to nobody in particular, so it is not bound to the user).
   * Its counter and last use move forward. Null otherwise: one answer for every failure.
   */
  async authenticate(credential: Record<string, unknown>, purpose: ChallengePurpose, userId: string | null): Promise<Passkey | null> {
    const credentialId = typeof credential.id === 'string' && credential.id.length <= 1400 ? credential.id : null;
    const passkey = credentialId ? await this.passkeys.findOneBy({ credentialId }) : null;
    if (!passkey || (userId !== null && passkey.userId !== userId)) return null;
    const userHandle = (credential.response as { userHandle?: unknown } | undefined)?.userHandle;
    if (typeof userHandle === 'string' && Buffer.from(userHandle, 'base64url').toString('utf8') !== passkey.userId) return null;
    const challenge = signedChallenge(credential);
    if (!(await this.challenges.consume(challenge, purpose, purpose === 'login' ? null : userId))) return null;
    const verification = await verifyAuthenticationResponse({
      response: credential as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: this.config.origins,
      expectedRPID: this.config.rpId,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: Number(passkey.counter),
        transports: transportsOf(passkey),
      },
      requireUserVerification: true,
    }).catch(() => null);
    if (!verification?.verified || !verification.authenticationInfo.userVerified) return null;
    const lastUsedAt = new Date(this.clock.now());
    await this.passkeys.update({ id: passkey.id }, { counter: verification.authenticationInfo.newCounter, lastUsedAt });
    return Object.assign(passkey, { lastUsedAt });
  }

  /** The passkey signed in this client: listed under it, and ended with it on request. */
  async signedIn(passkeyId: string, clientId: string): Promise<void> {
    await this.passkeyClients.insert({ passkeyId, clientId });
  }

  /** The user's passkeys, oldest first, each with the live clients it signed in. */
  async list(userId: string): Promise<PasskeyResponseDto[]> {
    const passkeys = await this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const clients = await this.liveClients(passkeys.map((passkey) => passkey.id));
    return passkeys.map((passkey) => ({
      id: passkey.id,
      name: passkey.name,
      createdAt: passkey.createdAt.toISOString(),
      lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
      clients: clients.get(passkey.id) ?? [],
    }));
  }

  count(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyResponseDto> {
    const { affected } = await this.passkeys.update({ id: uuidOrNone(id), userId }, { name });
    if (!affected) throw new NotFoundException('Passkey not found');
    return (await this.list(userId)).find((passkey) => passkey.id === id)!;
  }

  /** Removes the user's passkey; the live clients it had signed in (for the caller to end, if asked). 404 when it is not theirs. */
  async remove(userId: string, id: string): Promise<string[]> {
    const clients = (await this.liveClients([uuidOrNone(id)])).get(id) ?? [];
    const { affected } = await this.passkeys.delete({ id: uuidOrNone(id), userId });
    if (!affected) throw new NotFoundException('Passkey not found');
    return clients;
  }

  private async liveClients(passkeyIds: string[]): Promise<Map<string, string[]>> {
    const byPasskey = new Map<string, string[]>();
    if (passkeyIds.length === 0) return byPasskey;
    const rows = await this.passkeyClients
      .createQueryBuilder('link')
      .innerJoin('link.client', 'client')
      .select(['link.passkey_id AS "passkeyId"', 'link.client_id AS "clientId"'])
      .where({ passkeyId: In(passkeyIds) })
      .andWhere('client.ended_at IS NULL AND client.expires_at > :now', { now: this.clock.now() })
      .orderBy('client.created_at', 'DESC')
      .getRawMany<{ passkeyId: string; clientId: string }>();
    for (const row of rows) byPasskey.set(row.passkeyId, [...(byPasskey.get(row.passkeyId) ?? []), row.clientId]);
    return byPasskey;
  }
}

const transportsOf = (passkey: Pick<Passkey, 'transports'>) =>
  passkey.transports ? (passkey.transports.split(',') as AuthenticatorTransportFuture[]) : undefined;

/** Ids are UUIDs: anything else matches no row (and never reaches PostgreSQL as a malformed value). */
const uuidOrNone = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000';
