import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { REDIS_OPTIONS, type RedisModuleOptions } from './redis.options';

/** How long any Redis command may take before its caller falls back. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long a start waits for its subscriptions; past it, it starts anyway and /health says 503 until they hold. */
const SUBSCRIBED_AT_START_MS = 2000;

/**
 * The connection to Redis when REDIS_URL is set, shared by what instances must see of each other
 * quickly: failed-login counters and news of ended clients. Commands fail fast while Redis is down
 * (no offline queue) or stalled (a command timeout), so callers fall back to their in-process
 * behaviour instead of hanging.
 */
@Injectable()
export class RedisService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  /** Null when REDIS_URL is unset: everything stays in-process. */
  readonly client: Redis | null;
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, (message: string) => void>();
  /** Channels whose SUBSCRIBE Redis has not confirmed yet. */
  private readonly unconfirmed = new Set<string>();
  private onAllConfirmed: Array<() => void> = [];
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
    const name = this.key(channel);
    this.handlers.set(name, handler);
    this.unconfirmed.add(name);
    this.listen(name);
  }

  /**
   * Redis answers, and this instance hears the others: every SUBSCRIBE confirmed and the subscriber
   * connected (ioredis subscribes again on reconnect). Until then events and revocation news from
   * the other instances would pass this one by, so /health keeps it out of the load balancer.
   */
  async isUp(): Promise<boolean> {
    if (!this.client) return true;
    if (this.subscriber && (this.unconfirmed.size > 0 || this.subscriber.status !== 'ready')) return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** SUBSCRIBE, and again once reconnected should the connection drop it (not at shutdown). */
  private listen(name: string): void {
    const subscriber = this.subscriber!;
    subscriber.subscribe(name).then(
      () => {
        this.unconfirmed.delete(name);
        if (this.unconfirmed.size === 0) for (const resolve of this.onAllConfirmed.splice(0)) resolve();
      },
      () => subscriber.status !== 'end' && subscriber.once('ready', () => this.listen(name)),
    );
  }

  /** After every module has subscribed, before the app listens: it starts ready, unless Redis is away. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.unconfirmed.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.onAllConfirmed.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBED_AT_START_MS))),
    ]);
    clearTimeout(timer);
  }

  /** After the HTTP server has drained, so in-flight requests keep their Redis. */
  async onApplicationShutdown(): Promise<void> {
    // A polite QUIT, but a stalled Redis must not hold the exit: after a second, just hang up.
    const quit = (connection: Redis) =>
      Promise.race([connection.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
        .catch(() => undefined)
        .finally(() => connection.disconnect());
    await Promise.all([this.client, this.subscriber].filter((connection) => connection !== undefined && connection !== null).map(quit));
  }

  private connect(url: string, queueWhileOffline = false): Redis {
    const options: RedisOptions = {
      enableOfflineQueue: queueWhileOffline,
      // The subscriber's SUBSCRIBE waits however long Redis is away: with a retry limit ioredis drops
      // it after two failed connection attempts, and the instance would never hear the others.
      maxRetriesPerRequest: queueWhileOffline ? null : 1,
      // No INFO ready check on the subscriber: a SUBSCRIBE sent between connect and ready (a second
      // subscribe() at that moment) put the connection in subscriber mode, the INFO after it failed,
      // and ioredis dropped the queued SUBSCRIBEs with the connection: deaf for good, /health up.
      enableReadyCheck: !queueWhileOffline,
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
