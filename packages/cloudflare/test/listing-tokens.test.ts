/**
 * Scoped tokens on Cloudflare as on Node: the listing (served by the registry
 * object) lists only the streams a token may read, and the deployment's
 * `STREAMS_TOKEN_ISSUER` / `STREAMS_TOKEN_AUDIENCE` are required of every
 * token, on stream routes and on the listing alike.
 */

import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const SECRET = "listing-secret";
const ISSUER = "https://auth.example";
const AUDIENCE = "durastream-test";
const ADMIN = { authorization: `Bearer ${SECRET}` };
const key = new TextEncoder().encode(SECRET);

/** An HS256 token for `paths` × `ops`, with the given claims. */
function token(paths: string[], ops: string[], claims: { iss?: string; aud?: string }) {
  const jwt = new SignJWT({ paths, ops })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime("5m");
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  return jwt.sign(key);
}

describe("Cloudflare: scoped tokens on the listing, issuer and audience", () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    worker = await startLocalWorker({
      port: 0,
      vars: {
        STREAMS_SECRET: SECRET,
        STREAMS_TOKEN_ISSUER: ISSUER,
        STREAMS_TOKEN_AUDIENCE: AUDIENCE,
        REGISTRY_REFRESH_MS: "200",
      },
    });
    const headers = { ...ADMIN, "content-type": "text/plain" };
    for (const path of ["team-a/one", "team-a/two", "team-b/one"]) {
      const put = await fetch(`${worker.url}/v1/stream/${path}`, { method: "PUT", headers });
      expect(put.status).toBe(201);
    }
    await eventually(async () => {
      const response = await fetch(`${worker.url}/v1/stream/__ds/streams`, { headers: ADMIN });
      const { streams } = (await response.json()) as { streams: unknown[] };
      return streams.length === 3;
    }, 10_000);
  });

  afterAll(() => worker?.close());

  async function listedWith(authorization: string): Promise<{ status: number; paths: string[] }> {
    const response = await fetch(`${worker.url}/v1/stream/__ds/streams`, {
      headers: { authorization },
    });
    if (response.status !== 200) return { status: response.status, paths: [] };
    const { streams } = (await response.json()) as { streams: Array<{ path: string }> };
    return { status: 200, paths: streams.map((s) => s.path) };
  }

  it("lists only what a read-scoped token may read, and everything for the secret", async () => {
    const teamA = await token(["team-a/**"], ["read"], { iss: ISSUER, aud: AUDIENCE });
    expect(await listedWith(`Bearer ${teamA}`)).toEqual({
      status: 200,
      paths: ["team-a/one", "team-a/two"],
    });
    // A token that may only append reads nothing, so it lists nothing.
    const appender = await token(["**"], ["append"], { iss: ISSUER, aud: AUDIENCE });
    expect(await listedWith(`Bearer ${appender}`)).toEqual({ status: 200, paths: [] });
    expect((await listedWith(`Bearer ${SECRET}`)).paths).toEqual([
      "team-a/one",
      "team-a/two",
      "team-b/one",
    ]);
    expect((await listedWith("Bearer not-a-token")).status).toBe(401);
  });

  it("refuses tokens of another issuer or audience, on streams and on the listing", async () => {
    const wrongIssuer = await token(["**"], ["read"], {
      iss: "https://evil.example",
      aud: AUDIENCE,
    });
    const wrongAudience = await token(["**"], ["read"], { iss: ISSUER, aud: "someone-else" });
    const noClaims = await token(["**"], ["read"], {});
    const good = await token(["**"], ["read"], { iss: ISSUER, aud: AUDIENCE });
    for (const bad of [wrongIssuer, wrongAudience, noClaims]) {
      const authorization = `Bearer ${bad}`;
      expect((await listedWith(authorization)).status).toBe(401);
      const read = await fetch(`${worker.url}/v1/stream/team-a/one?offset=-1`, {
        headers: { authorization },
      });
      expect(read.status).toBe(401);
    }
    const read = await fetch(`${worker.url}/v1/stream/team-a/one?offset=-1`, {
      headers: { authorization: `Bearer ${good}` },
    });
    expect(read.status).toBe(200);
  });
});
