import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { CheckTimedOut, withTimeout } from './with-timeout';

/** Up when the database answers within the check's bound, no migration is pending, and it takes a write. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    private readonly clock: Clock,
  ) {}

  async isHealthy() {
    const indicator = this.indicators.check('database');
    try {
      const problem = await withTimeout(this.problem());
      return problem ? indicator.down({ message: problem }) : indicator.up({ engine: this.dataSource.options.type });
    } catch (error) {
      return indicator.down({ message: error instanceof CheckTimedOut ? 'timed out' : 'unreachable' });
    }
  }

  private async problem(): Promise<string | null> {
    await this.dataSource.query('SELECT 1');
    if (await this.dataSource.showMigrations()) return 'migrations pending';
    try {
      // A read-only file or replica, or a full disk, reads fine: only a committed write tells.
      await this.dataSource.query(`UPDATE health_probe SET checked_at = ${Math.trunc(this.clock.now())} WHERE id = 1`);
    } catch {
      return 'not writable';
    }
    return null;
  }
}
