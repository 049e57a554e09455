import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { REDIS_OPTIONS, type RedisModuleOptions } from './redis.options';

/** How long any Redis command may take before its caller falls back. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The connection to Redis when REDIS_URL is set, shared by what instances must see of each other
 * quickly: failed-login counters and news of ended clients. Commands fail fast while Redis is down
 * (no offline queue) or stalled (a command timeout), so callers fall back to their in-process
 * behaviour instead of hanging.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  /** Null when REDIS_URL is unset: everything stays in-process. */
  readonly client: Redis | null;
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, (message: string) => void>();
  private down = false;

  constructor(@Inject(REDIS_OPTIONS) private readonly config: RedisModuleOptions) {
    this.client = config.url ? this.connect(config.url) : null;
  }

  /** A key or channel name inside this deployment's prefix. */
  key(name: string): string {
    return `${this.config.keyPrefix}${name}`;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client?.publish(this.key(channel), message);
  }

  /** Calls `handler` for every message on the channel, from this and other instances. */
  subscribe(channel: string, handler: (message: string) => void): void {
    if (!this.config.url) return;
    if (!this.subscriber) {
      // Unlike commands, a SUBSCRIBE may wait for the connection: it must not be lost at start.
      this.subscriber = this.connect(this.config.url, true);
      this.subscriber.on('message', (name: string, message: string) => this.handlers.get(name)?.(message));
      // ioredis re-subscribes by itself after a reconnect.
    }
    this.handlers.set(this.key(channel), handler);
    void this.subscriber.subscribe(this.key(channel)).catch(() => undefined);
  }

  async isUp(): Promise<boolean> {
    if (!this.client) return true;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** After the HTTP server has drained, so in-flight requests keep their Redis. */
  async onApplicationShutdown(): Promise<void> {
    // A polite QUIT, but a stalled Redis must not hold the exit: after a second, just hang up.
    const quit = (connection: Redis) =>
      Promise.race([connection.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
        .catch(() => undefined)
        .finally(() => connection.disconnect());
    await Promise.all([this.client, this.subscriber].map((connection) => connection && quit(connection)));
  }

  private connect(url: string, queueWhileOffline = false): Redis {
    const options: RedisOptions = {
      enableOfflineQueue: queueWhileOffline,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // A Redis that accepts but never answers must cost a request half a second, not the stall.
      // The subscriber waits: a SUBSCRIBE dropped by a timeout would leave this instance deaf.
      commandTimeout: queueWhileOffline ? undefined : REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    };
    const connection = new Redis(url, options);
    // One line per outage, not one per retry; an 'error' without a listener would crash the process.
    connection.on('error', (error: Error) => {
      if (!this.down) this.logger.warn(`Redis unreachable: ${error.message}`);
      this.down = true;
    });
    connection.on('ready', () => {
      if (this.down) this.logger.log('Redis reachable again');
      this.down = false;
    });
    return connection;
  }
}
