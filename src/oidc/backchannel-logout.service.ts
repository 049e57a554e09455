import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, IsNull, Repository } from 'typeorm';
import { type SessionEvent, SessionEventsService } from '../auth';
import { WebhooksService } from '../events';
import { Application } from './application.entity';
import { ApplicationsService } from './applications.service';
import { IdTokensService } from './id-tokens.service';

/**
 * OpenID Connect Back-Channel Logout 1.0: whenever a client opened for an application ends, for any
 * reason (reuse, password reset, admin, disabled user, logout, consent withdrawn), a logout token
 * naming its `sid` goes to the application's back-channel logout URI. It is a durable sink of the
 * session events, so the token is in the outbox (the webhooks' own) before the ending answers,
 * and it is delivered at least once, with retries, across restarts and instances.
 */
@Injectable()
export class BackchannelLogoutService implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly events: SessionEventsService,
    private readonly applications: ApplicationsService,
    private readonly idTokens: IdTokensService,
    private readonly webhooks: WebhooksService,
    @InjectRepository(Application) private readonly registered: Repository<Application>,
  ) {}

  onModuleInit(): void {
    this.events.addDurableSink({
      wants: (type) => type === 'session.ended',
      store: (event) => this.ended(event as SessionEvent<'session.ended'>),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.registered.count({ where: { backchannelLogoutUri: Not(IsNull()) } })) > 0) this.webhooks.pollForLogoutTokens();
  }

  /** The event names the application, so this holds when the client's row is gone (a deleted user). */
  private async ended(event: SessionEvent<'session.ended'>): Promise<void> {
    if (!event.clientId || !event.data.application) return;
    const application = await this.applications.find(event.data.application);
    if (!application?.backchannelLogoutUri) return;
    const token = await this.idTokens.logoutToken(event.userId, application.clientId, event.clientId);
    await this.webhooks.enqueueLogoutToken(application.backchannelLogoutUri, token);
  }
}
