/*
 * Preloaded into the CLI process by test/events.e2e-spec.ts (node -r): appends every event the CLI
 * emits to the file named by EVENTS_PROBE_FILE, one JSON line each, so the test sees the CLI's events.
 */
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const { SessionEventsService } = require(join(__dirname, '..', '..', 'dist', 'src', 'events', 'session-events.service.js'));

const emit = SessionEventsService.prototype.emit;
SessionEventsService.prototype.emit = async function (...args) {
  const event = await emit.apply(this, args);
  if (event) appendFileSync(process.env.EVENTS_PROBE_FILE, `${JSON.stringify(event)}\n`);
  return event;
};
