import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';

/**
 * The headers @fastify/helmet sets with its defaults, asked of it once at start. Ours are the same for every
 * response, and running helmet's middleware per request cost GET /me about a quarter of its rate
 * (docs/benchmarks.md): the app sets these in its onRequest hook instead.
 */
export async function helmetHeaders(): Promise<Record<string, string>> {
  const answer = async (withHelmet: boolean) => {
    const probe = Fastify();
    if (withHelmet) await probe.register(fastifyHelmet);
    probe.get('/', async () => '');
    try {
      return (await probe.inject({ method: 'GET', url: '/' })).headers;
    } finally {
      await probe.close();
    }
  };
  const [plain, helmeted] = await Promise.all([answer(false), answer(true)]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(helmeted)) {
    if (value !== undefined && plain[name] === undefined) headers[name] = String(value);
  }
  return headers;
}
