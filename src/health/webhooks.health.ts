import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { WebhooksService } from '../events';
import { withTimeout } from './with-timeout';

/**
 * The webhook backlog as a detail, not a verdict: a receiver that is down is another service's
 * outage, and taking this instance out of the load balancer for it would only add one. Down only
 * when the backlog cannot be read (the database check says why). Not reported without URLs.
 */
@Injectable()
export class WebhooksHealthIndicator {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.webhooks.configured;
  }

  async isHealthy() {
    const indicator = this.indicators.check('webhooks');
    const backlog = await withTimeout(this.webhooks.backlog()).catch(() => null);
    return backlog ? indicator.up({ ...backlog }) : indicator.down({ message: 'backlog unreadable' });
  }
}
