import { createServer } from 'node:http';

/**
 * A plain node:http server answering, to every request, the exact status, headers and body the app
 * sent for its bare route (given in REPLAY_RESPONSE): what the same bytes cost without any framework,
 * on the same machine and load generator.
 */
const { status, headers, body } = JSON.parse(process.env.REPLAY_RESPONSE!) as { status: number; headers: Array<[string, string]>; body: string };
const flat = headers.flat();
createServer((_request, response) => {
  response.writeHead(status, flat);
  response.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
