// A real OpenID provider for the single sign-on tests (issue 29): panva's `oidc-provider`
// (OpenID Certified), installed by `.ci/run` into target/oidc-provider and run there by Node.
//
// The test configures it through OIDC_TEST_CONFIG (JSON):
//   { "clients": [{ "client_id", "client_secret", "redirect_uris": [...], "post_logout_redirect_uris": [...] }],
//     "accounts": [{ "login", "password", "sub", "email", "email_verified", "mfa" }] }
// An account with `mfa: true` signs in with `amr: ["pwd", "mfa"]` and `acr: "mfa"`; without, `amr: ["pwd"]`.
//
// It prints `listening http://127.0.0.1:PORT` once it answers. Besides the provider's own
// endpoints, two for the test only:
//   POST /__test/rotate    the signing key is replaced by a new one (a new `kid`), as a provider
//                          rotates its keys; the issuer stays the same.
//   POST /__test/mischief  {"kind": ...}: the next token response's ID token is changed, as a
//                          man in the middle or a broken provider would: "aud" (another client),
//                          "iss" (another issuer), "foreign_key" (signed by a key the provider does
//                          not publish), "nonce" (the nonce of the previous sign-in: a replay).
//                          Re-signed with the provider's own key except for "foreign_key".
// The consent prompt is granted at once, unless the account's login is "refuses" (consent refused).

import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const cfg = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = cfg.accounts || [];
let generation = 1;
let keys = [await newKey(`key-${generation}`)];
let mischief = null;
let lastNonce = null;
let provider;

async function newKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

function build(issuer) {
  const p = new Provider(issuer, {
    clients: (cfg.clients || []).map((c) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    })),
    jwks: { keys },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    // amr and acr ride with the openid scope, as a provider that asserts its second factor
    // in the ID token does.
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
    cookies: { keys: ['wso-tracker-tests-only'] },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const a = accounts.find((x) => x.sub === sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: a.email, email_verified: a.email_verified !== false };
        },
      };
    },
  });
  p.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
      const claims = jose.decodeJwt(ctx.body.id_token);
      if (process.env.OIDC_TEST_DEBUG) console.error(JSON.stringify(claims));
      const replayed = lastNonce;
      lastNonce = claims.nonce;
      if (mischief) {
        const kind = mischief;
        mischief = null;
        ctx.body = { ...ctx.body, id_token: await tamper(kind, claims, replayed) };
      }
    }
  });
  return p;
}

async function tamper(kind, claims, replayedNonce) {
  let key = keys[0];
  const changed = { ...claims };
  if (kind === 'aud') changed.aud = 'another-client';
  if (kind === 'iss') changed.iss = 'http://127.0.0.1:9/another-issuer';
  if (kind === 'nonce') changed.nonce = replayedNonce || 'a-nonce-from-before';
  if (kind === 'foreign_key') key = await newKey('not-published');
  return new jose.SignJWT(changed)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .sign(await jose.importJWK(key, 'RS256'));
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><title>Test provider: sign in</title></head><body>
<h1>Test identity provider</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label>Login <input name="login" id="login" autocomplete="off"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="submit">Sign in</button></form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginPage(uid));
    }
    const form = await readForm(req);
    const a = accounts.find((x) => x.login === form.login && x.password === form.password);
    if (!a) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginPage(uid, 'Wrong login or password.'));
    }
    if (a.login === 'refuses') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user refused consent.' });
    }
    const login = a.mfa ? { accountId: a.sub, amr: ['pwd', 'mfa'], acr: 'mfa' } : { accountId: a.sub, amr: ['pwd'] };
    return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  res.writeHead(501);
  res.end('not implemented');
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const m = url.pathname.match(/^\/interaction\/([^/]+)$/);
    if (m) return await interaction(req, res, m[1]);
    if (req.method === 'POST' && url.pathname === '/__test/rotate') {
      generation += 1;
      keys = [await newKey(`key-${generation}`)];
      provider = build(provider.issuer);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kid: keys[0].kid }));
    }
    if (req.method === 'POST' && url.pathname === '/__test/mischief') {
      let body = '';
      for await (const chunk of req) body += chunk;
      mischief = JSON.parse(body).kind;
      res.writeHead(204);
      return res.end();
    }
    return provider.callback()(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e && e.stack || e));
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  provider = build(`http://127.0.0.1:${port}`);
  console.log(`listening http://127.0.0.1:${port}`);
});
