import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { authConfig } from '../config/configuration';
import { ClientsService } from './clients.service';

/** Every AUTH_PRUNE_INTERVAL, deletes clients that ended longer than AUTH_CLIENT_RETENTION ago. */
@Injectable()
export class ClientsPruner implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClientsPruner.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.run(), this.config.pruneInterval * 1000);
    timer.unref();
    this.scheduler.addInterval('prune-ended-clients', timer);
  }

  async run(): Promise<void> {
    try {
      const deleted = await this.clients.prune();
      if (deleted > 0) this.logger.log(`deleted ${deleted} ended clients`);
    } catch (error) {
      this.logger.warn(`pruning ended clients failed: ${(error as Error).message}`);
    }
  }
}
