import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/*
 * Instants are stored as epoch milliseconds in a BIGINT on every engine: one portable type,
 * no time-zone or string-format surprises between SQLite and PostgreSQL, and cheap comparisons
 * on the hot path. The pg driver returns BIGINT as a string, hence the Number().
 */
const epochMillis: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.getTime() : value),
  from: (value: string | number | null) => (value === null ? null : new Date(Number(value))),
};

export function TimestampColumn(options: Pick<ColumnOptions, 'nullable' | 'name' | 'default'> = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: epochMillis, ...options });
}
