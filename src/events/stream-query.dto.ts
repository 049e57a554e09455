/**
 * GET /clients/current/events takes no query parameter: like every route, it refuses the ones it
 * does not declare (400), rather than ignoring what a client believed it asked for.
 */
export class StreamQueryDto {}
