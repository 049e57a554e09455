import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { Application } from './application.entity';
import { ApplicationResponseDto, CreateApplicationDto, UpdateApplicationDto } from './dto/application.dto';

export const hashClientSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The applications admins register (API.md §13): what they may ask for, where they may be sent. */
@Injectable()
export class ApplicationsService {
  constructor(
    @InjectRepository(Application) private readonly applications: Repository<Application>,
    private readonly clock: Clock,
  ) {}

  /** The new application and, for a confidential one, its secret: here and nowhere else (only its hash is kept). */
  async create(input: CreateApplicationDto): Promise<{ application: Application; clientSecret: string | null }> {
    checkKeys(input.type, input);
    const clientSecret = input.type === 'confidential' ? randomBytes(32).toString('base64url') : null;
    const now = new Date(this.clock.now());
    const application: Application = {
      clientId: randomBytes(16).toString('base64url'),
      name: input.name,
      type: input.type,
      redirectUris: [...new Set(input.redirectUris)],
      postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris ?? [])],
      scopes: [...new Set(input.scopes)].join(' '),
      firstParty: input.firstParty,
      backchannelLogoutUri: input.backchannelLogoutUri ?? null,
      secretHash: clientSecret && hashClientSecret(clientSecret),
      jwks: input.jwks ? JSON.stringify(input.jwks) : null,
      jwksUri: input.jwksUri ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await this.applications.insert({ ...application });
    return { application, clientSecret };
  }

  list(): Promise<Application[]> {
    return this.applications.find({ order: { createdAt: 'DESC', clientId: 'ASC' } });
  }

  /** The application, or null for an unknown or malformed client id (which never reaches the database). */
  async find(clientId: unknown): Promise<Application | null> {
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) return null;
    return this.applications.findOne({ where: { clientId } });
  }

  async get(clientId: string): Promise<Application> {
    const application = await this.find(clientId);
    if (!application) throw new NotFoundException('Application not found');
    return application;
  }

  async update(clientId: string, patch: UpdateApplicationDto): Promise<Application> {
    const application = await this.get(clientId);
    checkKeys(application.type, patch);
    const changes: Partial<Application> = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.redirectUris !== undefined && { redirectUris: [...new Set(patch.redirectUris)] }),
      ...(patch.postLogoutRedirectUris !== undefined && { postLogoutRedirectUris: [...new Set(patch.postLogoutRedirectUris)] }),
      ...(patch.scopes !== undefined && { scopes: [...new Set(patch.scopes)].join(' ') }),
      ...(patch.firstParty !== undefined && { firstParty: patch.firstParty }),
      ...(patch.backchannelLogoutUri !== undefined && { backchannelLogoutUri: patch.backchannelLogoutUri }),
      ...(patch.jwks !== undefined && { jwks: JSON.stringify(patch.jwks) }),
      ...(patch.jwksUri !== undefined && { jwksUri: patch.jwksUri }),
      updatedAt: new Date(this.clock.now()),
    };
    await this.applications.update({ clientId }, changes);
    return { ...application, ...changes };
  }

  async remove(clientId: string): Promise<Application> {
    const application = await this.get(clientId);
    await this.applications.delete({ clientId });
    return application;
  }

  static view(application: Application, clientSecret?: string | null): ApplicationResponseDto {
    return {
      clientId: application.clientId,
      name: application.name,
      type: application.type,
      redirectUris: application.redirectUris,
      postLogoutRedirectUris: application.postLogoutRedirectUris,
      scopes: application.scopes.split(' ').filter(Boolean),
      firstParty: application.firstParty,
      backchannelLogoutUri: application.backchannelLogoutUri,
      jwksUri: application.jwksUri,
      tokenEndpointAuthMethods: authMethodsOf(application),
      createdAt: application.createdAt.toISOString(),
      updatedAt: application.updatedAt.toISOString(),
      ...(clientSecret && { clientSecret }),
    };
  }
}

export function authMethodsOf(application: Application): string[] {
  if (application.type === 'public') return ['none'];
  return ['client_secret_basic', ...(application.jwks || application.jwksUri ? ['private_key_jwt'] : [])];
}

/** Keys are for confidential apps only, and a JWK Set is `{keys: [...]}` of public keys. */
function checkKeys(type: string, input: { jwks?: { keys: unknown[] }; jwksUri?: string }): void {
  if (type === 'public' && (input.jwks !== undefined || input.jwksUri !== undefined)) {
    throw new BadRequestException('a public application has no keys: private_key_jwt is for confidential applications');
  }
  if (input.jwks === undefined) return;
  const keys = input.jwks.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 10) throw new BadRequestException('jwks must be a JWK Set: {keys: [1 to 10 keys]}');
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string' || 'd' in key) {
      throw new BadRequestException('jwks must hold public JWKs only');
    }
  }
}
