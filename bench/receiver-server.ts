import { createServer } from 'node:http';

/**
 * The webhook receiver of the webhook cases: answers every POST 204 and counts it; `GET /count` says
 * how many arrived, so the bench can wait for the outbox to drain before the next case runs.
 */
let received = 0;
createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ received }));
    return;
  }
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(204);
    response.end();
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
