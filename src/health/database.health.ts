import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** Up when the database answers and no migration is pending. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy() {
    const indicator = this.indicators.check('database');
    try {
      await this.dataSource.query('SELECT 1');
      if (await this.dataSource.showMigrations()) return indicator.down({ message: 'migrations pending' });
      return indicator.up({ engine: this.dataSource.options.type });
    } catch {
      return indicator.down({ message: 'unreachable' });
    }
  }
}
