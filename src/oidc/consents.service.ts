import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { Application } from './application.entity';
import { Consent } from './consent.entity';

export interface ConsentView {
  clientId: string;
  name: string;
  scopes: string[];
  createdAt: string;
  updatedAt: string;
}

/** What users allowed third-party applications (API.md §13), so the consent page is asked once per scope. */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectRepository(Consent) private readonly consents: Repository<Consent>,
    private readonly clock: Clock,
  ) {}

  /** Whether the user allowed the app every scope of `scope` already. */
  async covers(userId: string, applicationId: string, scope: string): Promise<boolean> {
    const consent = await this.consents.findOne({ where: { userId, applicationId } });
    if (!consent) return false;
    const given = new Set(consent.scope.split(' '));
    return scope.split(' ').every((token) => token === '' || given.has(token));
  }

  /** Adds these scopes to what the user allowed the app. */
  async grant(userId: string, applicationId: string, scope: string): Promise<void> {
    const now = new Date(this.clock.now());
    const existing = await this.consents.findOne({ where: { userId, applicationId } });
    const merged = [...new Set([...(existing?.scope.split(' ') ?? []), ...scope.split(' ')])].filter(Boolean).join(' ');
    if (existing) await this.consents.update({ userId, applicationId }, { scope: merged, updatedAt: now });
    else await this.consents.insert({ userId, applicationId, scope: merged, createdAt: now, updatedAt: now });
  }

  async list(userId: string): Promise<ConsentView[]> {
    const rows = await this.consents
      .createQueryBuilder('consent')
      .innerJoin(Application, 'application', 'application.client_id = consent.application_id')
      .select(['consent.application_id AS "clientId"', 'application.name AS name', 'consent.scope AS scope'])
      .addSelect(['consent.created_at AS "createdAt"', 'consent.updated_at AS "updatedAt"'])
      .where('consent.user_id = :userId', { userId })
      .orderBy('consent.created_at', 'DESC')
      .getRawMany<{ clientId: string; name: string; scope: string; createdAt: string | number; updatedAt: string | number }>();
    return rows.map((row) => ({
      clientId: row.clientId,
      name: row.name,
      scopes: row.scope.split(' ').filter(Boolean),
      createdAt: new Date(Number(row.createdAt)).toISOString(),
      updatedAt: new Date(Number(row.updatedAt)).toISOString(),
    }));
  }

  /** True when there was a consent to revoke. */
  async revoke(userId: string, applicationId: string): Promise<boolean> {
    const result = await this.consents.delete({ userId, applicationId });
    return (result.affected ?? 0) > 0;
  }
}
