import { Injectable, OnModuleInit } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { ClientStateCache } from './client-state.cache';

const CHANNEL = 'clients-ended';

type News = { clientId: string } | { userId: string };

/**
 * Tells every instance that clients ended, so each drops them from its ClientStateCache at once
 * instead of at the end of the cache TTL. Without Redis, or while it is down, only this instance
 * hears the news and the TTL stays the bound for the others.
 */
@Injectable()
export class RevocationNewsService implements OnModuleInit {
  constructor(
    private readonly redis: RedisService,
    private readonly cache: ClientStateCache,
  ) {}

  onModuleInit(): void {
    this.redis.subscribe(CHANNEL, (message) => {
      try {
        this.forget(JSON.parse(message) as News);
      } catch {
        // not ours; ignore
      }
    });
  }

  clientEnded(clientId: string): Promise<void> {
    return this.announce({ clientId });
  }

  userClientsEnded(userId: string): Promise<void> {
    return this.announce({ userId });
  }

  private async announce(news: News): Promise<void> {
    this.forget(news);
    await this.redis.publish(CHANNEL, JSON.stringify(news)).catch(() => undefined);
  }

  private forget(news: News): void {
    if ('clientId' in news && typeof news.clientId === 'string') this.cache.forget(news.clientId);
    else if ('userId' in news && typeof news.userId === 'string') this.cache.forgetUser(news.userId);
  }
}
