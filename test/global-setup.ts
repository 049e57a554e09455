/** Says plainly, once per run, which engines this run uses and which suites it skips. */
export default function globalSetup(): void {
  const postgres = process.env.TEST_POSTGRES_URL;
  const redis = process.env.TEST_REDIS_URL;
  const lines = [`\nrefresh-auth tests: database ${postgres ? 'PostgreSQL' : 'SQLite'}, shared state ${redis ? 'Redis' : 'in-process'}.`];
  if (!postgres || !redis) {
    lines.push(
      'Skipped: the multi-instance suite and the PostgreSQL outage test (they need PostgreSQL and Redis).',
      'Run everything on PostgreSQL and Redis with: npm run test:postgres',
      '  (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres; TEST_REDIS_URL, default redis://127.0.0.1:6379)',
    );
  }
  console.log(lines.join('\n'));
}
