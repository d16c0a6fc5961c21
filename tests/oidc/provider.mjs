// A real OpenID provider for the tests: node-oidc-provider (OpenID
// Certified), on 127.0.0.1. Its sign-in page is the library's own
// (devInteractions: any login, any password); the login typed is the
// subject, and the name claim is the users' table's (or the login).
//
//   node provider.mjs MODULE PORT REDIRECT_URI CLIENT_SECRET
//
// MODULE is the installed oidc-provider (make oidc-provider). One client,
// "chatroom", confidential, with PKCE; access tokens are JWTs (RFC 9068)
// for the resource "urn:chatroom", carrying the name claim, so that IRC's
// OAUTHBEARER can be checked against the provider's keys. Consent is
// granted without asking (a first-party client). Prints "listening" once
// it is.
import { pathToFileURL } from "node:url";

const [module, port, redirectUri, clientSecret] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(`${module}/lib/index.js`).href);

const USERS = { "u-1001": "alice", "u-1002": "alice", "u-1003": "bob" };
const RESOURCE = "urn:chatroom";
const SCOPES = "openid profile email";
const nameOf = (id) => USERS[id] || id;

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: "chatroom",
    client_secret: clientSecret,
    redirect_uris: [redirectUri, "http://127.0.0.1/test-callback"],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  claims: { openid: ["sub"], profile: ["preferred_username", "name"], email: ["email"] },
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: nameOf(id), name: nameOf(id) }),
  }),
  extraTokenClaims: async (ctx, token) => (
    token.accountId ? { preferred_username: nameOf(token.accountId) } : undefined
  ),
  loadExistingGrant: async (ctx) => {
    const found = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (found) return ctx.oidc.provider.Grant.find(found);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPES);
    grant.addOIDCClaims(["preferred_username", "name"]);
    grant.addResourceScope(RESOURCE, SCOPES);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: SCOPES, audience: "chatroom", accessTokenFormat: "jwt",
      }),
    },
  },
  pkce: { required: () => true },
});
provider.listen(Number(port), "127.0.0.1", () => console.log("listening"));
