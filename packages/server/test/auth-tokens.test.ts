/** Scoped tokens beyond the matrix: expiry of live reads, EdDSA/ES256 issuers, CORS origins. */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { signStreamToken } from "@durastream/server-core";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const SECRET = "token-secret";
const asSecret = { authorization: `Bearer ${SECRET}` };

describe("live reads end when their token expires", () => {
  const cleanups = testCleanups();

  test("a long-poll answers 204 and an SSE connection closes; reconnecting is refused", async () => {
    const server = await startTestServer({
      memory: true,
      secret: SECRET,
      longPollTimeoutMs: 60_000,
      sseMaxConnectionMs: 60_000,
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "live/1");
    await fetch(url, { method: "PUT", headers: { ...asSecret, "content-type": "text/plain" } });
    // exp is in whole seconds: this token expires one to two seconds from now.
    const token = await signStreamToken(SECRET, {
      paths: ["live/**"],
      ops: ["read"],
      ttlSeconds: 2,
    });
    const auth = { authorization: `Bearer ${token}` };

    const sse = await fetch(`${url}?offset=-1&live=sse`, { headers: auth });
    expect(sse.status).toBe(200);
    const poll = await fetch(`${url}?offset=now&live=long-poll`, { headers: auth });
    // Neither timeout (60 s) is what ended them.
    expect(poll.status).toBe(204);
    const text = await sse.text();
    expect(text).toContain("event: control");

    const again = await fetch(`${url}?offset=now&live=long-poll`, { headers: auth });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("TOKEN_EXPIRED");
  });
});

describe("asymmetric issuers", () => {
  const cleanups = testCleanups();

  test("EdDSA tokens verify against a configured PEM key; HS256 is refused without a secret", async () => {
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
    const server = await startTestServer({
      memory: true,
      tokens: { publicKeys: [await exportSPKI(publicKey)] },
    });
    cleanups.defer(() => server.close());
    const token = await new SignJWT({ paths: ["eddsa/**"], ops: ["create", "read"] })
      .setProtectedHeader({ alg: "EdDSA" })
      .setExpirationTime("5m")
      .sign(privateKey);
    const auth = { authorization: `Bearer ${token}` };
    expect(
      (await fetch(streamUrl(server, "eddsa/a"), { method: "PUT", headers: auth })).status,
    ).toBe(201);
    expect((await fetch(streamUrl(server, "other"), { method: "PUT", headers: auth })).status).toBe(
      403,
    );
    expect((await fetch(streamUrl(server, "eddsa/a"), { method: "PUT" })).status).toBe(401);

    const hs = await signStreamToken("anything", { paths: ["**"], ops: ["admin"], ttlSeconds: 60 });
    const refused = await fetch(streamUrl(server, "eddsa/b"), {
      method: "PUT",
      headers: { authorization: `Bearer ${hs}` },
    });
    expect(refused.status).toBe(401);
  });

  test("ES256 tokens verify against keys published at a JWKS URL, selected by kid", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    cleanups.defer(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const server = await startTestServer({ memory: true, secret: SECRET, tokens: { jwksUrl } });
    cleanups.defer(() => server.close());

    const sign = (kid: string) =>
      new SignJWT({ paths: "es/*", ops: "admin" })
        .setProtectedHeader({ alg: "ES256", kid })
        .setExpirationTime("5m")
        .sign(privateKey);
    const ok = await fetch(streamUrl(server, "es/x"), {
      method: "PUT",
      headers: { authorization: `Bearer ${await sign("k1")}` },
    });
    expect(ok.status).toBe(201);
    const unknownKid = await fetch(streamUrl(server, "es/y"), {
      method: "PUT",
      headers: { authorization: `Bearer ${await sign("k2")}` },
    });
    expect(unknownKid.status).toBe(401);
    // The shared secret still works beside the issuer's tokens.
    expect(
      (await fetch(streamUrl(server, "es/x"), { method: "HEAD", headers: asSecret })).status,
    ).toBe(200);
  });

  test("a token without scope claims or without expiry is refused", async () => {
    const server = await startTestServer({ memory: true, secret: SECRET });
    cleanups.defer(() => server.close());
    const key = new TextEncoder().encode(SECRET);
    const noScope = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(key);
    const noExpiry = await new SignJWT({ paths: ["**"], ops: ["admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    const badOp = await new SignJWT({ paths: ["**"], ops: ["write"] })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(key);
    for (const token of [noScope, noExpiry, badOp]) {
      const res = await fetch(streamUrl(server, "x"), {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
    }
  });
});

describe("CORS origins", () => {
  const cleanups = testCleanups();
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET" },
    });

  test("without auth any origin may read", async () => {
    const server = await startTestServer({ memory: true });
    cleanups.defer(() => server.close());
    const res = await preflight(streamUrl(server, "a"), "http://anywhere.example");
    expect(res.headers.get("access-control-allow-origin")).toBe("http://anywhere.example");
  });

  test("with auth no origin may read unless configured, then only the configured ones", async () => {
    const closed = await startTestServer({ memory: true, secret: SECRET });
    cleanups.defer(() => closed.close());
    const none = await preflight(streamUrl(closed, "a"), "http://app.example");
    expect(none.headers.get("access-control-allow-origin")).toBeNull();

    const open = await startTestServer({
      memory: true,
      secret: SECRET,
      corsOrigins: ["http://app.example"],
    });
    cleanups.defer(() => open.close());
    const allowed = await fetch(streamUrl(open, "a"), {
      method: "PUT",
      headers: { ...asSecret, origin: "http://app.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://app.example");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("Stream-Next-Offset");
    const other = await preflight(streamUrl(open, "a"), "http://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("path globs match whole segments", () => {
  const cleanups = testCleanups();

  // Each refused path shares the glob's text but differs inside a segment (or has one segment
  // too many or too few): a glob compiled to a substring match would let it through.
  const cases: Array<{ glob: string; allowed: string[]; refused: string[] }> = [
    {
      glob: "chat/**",
      allowed: ["chat", "chat/x", "chat/x/y"],
      refused: ["chatroom", "chatroom/x", "chat-x/y", "xchat/x"],
    },
    {
      glob: "chat/*",
      allowed: ["chat/x", "chat/x-y"],
      refused: ["chat", "chatx/y", "chat/x/y", "chatx"],
    },
    {
      glob: "chat/*/log",
      allowed: ["chat/a/log"],
      refused: ["chat/a/logs", "chat/a/xlog", "chat/a/b/log", "chatty/a/log"],
    },
    {
      glob: "rooms/**/log",
      allowed: ["rooms/log", "rooms/a/log", "rooms/a/b/log"],
      refused: ["rooms/a/blog", "roomsx/a/log", "rooms/a/log/x", "rooms/alog"],
    },
    {
      glob: "**/log",
      allowed: ["log", "a/log", "a/b/log"],
      refused: ["a/blog", "alog", "a/log/x", "a/logs"],
    },
  ];

  test("a read token reaches the paths its glob names and no path that only shares its text", async () => {
    const server = await startTestServer({ memory: true, secret: SECRET });
    cleanups.defer(() => server.close());
    const paths = new Set(cases.flatMap((c) => [...c.allowed, ...c.refused]));
    for (const path of paths) {
      const res = await fetch(streamUrl(server, path), {
        method: "PUT",
        headers: { ...asSecret, "content-type": "text/plain" },
      });
      expect(res.status).toBe(201);
    }
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { glob, allowed, refused } of cases) {
      const token = await signStreamToken(SECRET, { paths: [glob], ops: ["read"], ttlSeconds: 60 });
      const auth = { authorization: `Bearer ${token}` };
      for (const path of [...allowed, ...refused]) {
        const res = await fetch(`${streamUrl(server, path)}?offset=-1`, { headers: auth });
        await res.body?.cancel();
        outcomes.push(`${glob} ${path} ${res.status}`);
        expected.push(`${glob} ${path} ${allowed.includes(path) ? 200 : 403}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });
});
