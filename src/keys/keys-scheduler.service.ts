import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { KEY_RELOAD_INTERVAL_SECONDS, KeysService } from './keys.service';

/**
 * Every minute: re-read the keys (a rotation made by another instance or the CLI reaches this one),
 * rotate when the signing key is older than AUTH_KEY_ROTATION_INTERVAL, and delete long-retired keys.
 */
@Injectable()
export class KeysSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(KeysSchedulerService.name);

  constructor(
    private readonly keys: KeysService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.run(), KEY_RELOAD_INTERVAL_SECONDS * 1000);
    timer.unref();
    this.scheduler.addInterval('signing-keys', timer);
  }

  async run(): Promise<void> {
    try {
      await this.keys.reload();
      // Re-read just before: when several instances find the key due together, most see the new one.
      if (this.keys.rotationDue()) await this.keys.rotate();
      await this.keys.pruneRetired();
    } catch (error) {
      this.logger.warn(`signing-key maintenance failed: ${(error as Error).message}`);
    }
  }
}
