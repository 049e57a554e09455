// The upstream OpenID Connect provider of the tests: panva's oidc-provider (certified), in a process of
// its own (it is ESM and asks for Node 22; it works on 20). Started by test/support/upstream-oidc.ts.
// Logins are automatic: the next one signs in the account the test named (POST /_control/account).
// POST /_control/tamper replaces the ID token of the next token response, to play a lying provider.
import http from 'node:http';
import Provider from 'oidc-provider';

const { UPSTREAM_PORT, UPSTREAM_ISSUER, UPSTREAM_CONFIG } = process.env;
const config = JSON.parse(UPSTREAM_CONFIG);
let nextAccount = null;
let tamperedIdToken = null;

const provider = new Provider(UPSTREAM_ISSUER, {
  clients: config.clients,
  jwks: config.jwks,
  findAccount: (_ctx, id) => (config.accounts[id] ? { accountId: id, claims: () => ({ sub: id, ...config.accounts[id] }) } : undefined),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['upstream-test-cookie-key'] },
});

async function interaction(req, res) {
  const { prompt, params, session } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    if (!nextAccount) throw new Error('no account named for the next login');
    return provider.interactionFinished(req, res, { login: { accountId: nextAccount } }, { mergeWithLastSubmission: false });
  }
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope));
  return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {}));
  });
}

/** Holds the token endpoint's answer and swaps its id_token before it leaves. */
function tamperTokenResponse(res, idToken) {
  const chunks = [];
  const end = res.end.bind(res);
  res.write = (chunk) => void chunks.push(Buffer.from(chunk));
  res.end = (chunk) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    if (body.id_token) body.id_token = idToken;
    const out = Buffer.from(JSON.stringify(body));
    res.setHeader('content-length', out.length);
    return end(out);
  };
}

const handle = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/_control/account' && req.method === 'POST') {
      nextAccount = (await readBody(req)).id;
      return res.writeHead(204).end();
    }
    if (req.url === '/_control/tamper' && req.method === 'POST') {
      tamperedIdToken = (await readBody(req)).idToken;
      return res.writeHead(204).end();
    }
    if (req.url.startsWith('/interaction/')) return await interaction(req, res);
    if (tamperedIdToken && req.method === 'POST' && req.url.startsWith('/token')) {
      tamperTokenResponse(res, tamperedIdToken);
      tamperedIdToken = null;
    }
    return handle(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
});
server.listen(Number(UPSTREAM_PORT), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
