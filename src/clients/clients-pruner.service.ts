import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CLIENTS_OPTIONS, type ClientsModuleOptions } from './clients.options';
import { ClientsService } from './clients.service';

/** Every AUTH_PRUNE_INTERVAL, deletes clients that ended longer than AUTH_CLIENT_RETENTION ago. */
@Injectable()
export class ClientsPrunerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClientsPrunerService.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CLIENTS_OPTIONS) private readonly config: ClientsModuleOptions,
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
