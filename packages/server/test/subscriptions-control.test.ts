/**
 * Subscription control APIs (spec 6.1-6.5) beyond the conformance suite:
 * idempotency and 409, every 400, globs, backfill without replay, explicit
 * links over glob links, deletion, the JWKS and the reserved namespace.
 */

import { describe, expect, test } from "vitest";
import { startTestServer, suiteServer, testCleanups } from "./helpers.js";
import { appendJson, call, createJsonStream, stream, subUrl } from "./subscription-api.js";

const webhook = (url = "http://127.0.0.1:9/hook") => ({
  type: "webhook",
  pattern: "ctl/*",
  webhook: { url },
});

describe("subscription control APIs", () => {
  const suite = suiteServer({ allowLocalhostWebhooks: true });
  const cleanups = testCleanups();

  test("re-PUT of the same configuration is 200 whatever the field and stream order; a change is 409 and stores nothing", async () => {
    const { server } = suite;
    const first = {
      type: "pull-wake",
      pattern: "idem/*",
      streams: ["idem-x/b", "idem-x/a", "idem-x/a"],
      wake_stream: "idem-wake",
      lease_ttl_ms: 30_000,
      description: "d",
    };
    expect((await call(subUrl(server, "idem"), "PUT", first)).status).toBe(201);
    const reordered = {
      description: "d",
      wake_stream: "idem-wake",
      streams: ["idem-x/a", "idem-x/b"],
      pattern: "idem/*",
      type: "pull-wake",
    };
    const again = await call(subUrl(server, "idem"), "PUT", reordered);
    expect(again.status).toBe(200);
    expect(again.body.streams.map((s: { path: string }) => s.path)).toEqual([
      "idem-x/a",
      "idem-x/b",
    ]);

    for (const change of [
      { lease_ttl_ms: 31_000 },
      { description: "other" },
      { pattern: "idem/**" },
      { streams: ["idem-x/a"] },
      { wake_stream: "idem-wake-2" },
    ]) {
      const res = await call(subUrl(server, "idem"), "PUT", { ...first, ...change });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("SUBSCRIPTION_EXISTS");
    }
    const stored = await call(subUrl(server, "idem"), "GET");
    expect(stored.body).toMatchObject({
      pattern: "idem/*",
      lease_ttl_ms: 30_000,
      description: "d",
    });
  });

  test("every invalid PUT is a precise 400 and creates nothing", async () => {
    const { server } = suite;
    const cases: Array<[string, unknown, string]> = [
      ["not JSON", "{nope", "BAD_REQUEST"],
      ["an array", [], "BAD_REQUEST"],
      ["no type", { pattern: "a/*", webhook: { url: "https://example.com/h" } }, "BAD_REQUEST"],
      ["bad type", { type: "email", pattern: "a/*" }, "BAD_REQUEST"],
      [
        "neither pattern nor streams",
        { type: "webhook", webhook: { url: "https://example.com/h" } },
        "BAD_REQUEST",
      ],
      ["empty pattern", { ...webhook(), pattern: "" }, "BAD_REQUEST"],
      ["partial wildcard", { ...webhook(), pattern: "a/b*" }, "BAD_REQUEST"],
      ["empty segment", { ...webhook(), pattern: "a//*" }, "BAD_REQUEST"],
      ["reserved pattern", { ...webhook(), pattern: "__ds/*" }, "BAD_REQUEST"],
      ["streams not an array", { ...webhook(), streams: "a" }, "BAD_REQUEST"],
      ["a non-string stream", { ...webhook(), streams: [1] }, "BAD_REQUEST"],
      ["a dot segment", { ...webhook(), streams: ["a/../b"] }, "BAD_REQUEST"],
      ["a reserved stream", { ...webhook(), streams: ["__ds/x"] }, "BAD_REQUEST"],
      ["lease below 1 s", { ...webhook(), lease_ttl_ms: 999 }, "BAD_REQUEST"],
      ["lease above 10 min", { ...webhook(), lease_ttl_ms: 600_001 }, "BAD_REQUEST"],
      ["fractional lease", { ...webhook(), lease_ttl_ms: 1500.5 }, "BAD_REQUEST"],
      ["string lease", { ...webhook(), lease_ttl_ms: "1000" }, "BAD_REQUEST"],
      ["webhook without url", { type: "webhook", pattern: "a/*", webhook: {} }, "BAD_REQUEST"],
      ["webhook with wake_stream", { ...webhook(), wake_stream: "w" }, "BAD_REQUEST"],
      ["pull-wake without wake_stream", { type: "pull-wake", pattern: "a/*" }, "BAD_REQUEST"],
      [
        "pull-wake with webhook",
        {
          type: "pull-wake",
          pattern: "a/*",
          wake_stream: "w",
          webhook: { url: "https://example.com/h" },
        },
        "BAD_REQUEST",
      ],
      [
        "own wake stream linked",
        { type: "pull-wake", streams: ["w"], wake_stream: "w" },
        "BAD_REQUEST",
      ],
      ["numeric description", { ...webhook(), description: 5 }, "BAD_REQUEST"],
      ["unknown field", { ...webhook(), webhook_secret: "s" }, "BAD_REQUEST"],
      ["RFC 1918 IPv4", webhook("https://10.1.2.3/h"), "WEBHOOK_URL_REJECTED"],
      ["192.168/16", webhook("https://192.168.0.10/h"), "WEBHOOK_URL_REJECTED"],
      ["172.16/12", webhook("https://172.20.0.1/h"), "WEBHOOK_URL_REJECTED"],
      ["cloud metadata", webhook("https://169.254.169.254/latest"), "WEBHOOK_URL_REJECTED"],
      ["IPv6 loopback", webhook("https://[::1]/h"), "WEBHOOK_URL_REJECTED"],
      ["IPv6 unique-local", webhook("https://[fd00::1]/h"), "WEBHOOK_URL_REJECTED"],
      ["IPv6 link-local", webhook("https://[fe80::1]/h"), "WEBHOOK_URL_REJECTED"],
      ["IPv4-mapped private", webhook("https://[::ffff:10.0.0.1]/h"), "WEBHOOK_URL_REJECTED"],
      ["hex-encoded private address", webhook("https://0xa.1/h"), "WEBHOOK_URL_REJECTED"],
      ["metadata name", webhook("https://metadata.google.internal/x"), "WEBHOOK_URL_REJECTED"],
      ["plain http to the internet", webhook("http://example.com/h"), "WEBHOOK_URL_REJECTED"],
      ["http to 127.0.1.1", webhook("http://127.0.1.1/h"), "WEBHOOK_URL_REJECTED"],
      ["another scheme", webhook("ftp://example.com/h"), "WEBHOOK_URL_REJECTED"],
      ["credentials in the URL", webhook("https://u:p@example.com/h"), "WEBHOOK_URL_REJECTED"],
    ];
    for (const [name, body, code] of cases) {
      const res = await call(subUrl(server, "invalid"), "PUT", body);
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({
        name,
        status: 400,
        code,
      });
      expect((await call(subUrl(server, "invalid"), "GET")).status).toBe(404);
    }
    const badId = await call(subUrl(server, "bad%20id"), "PUT", webhook());
    expect(badId.status).toBe(400);
  });

  test("http://127.0.0.1 webhooks are refused unless the server allows localhost webhooks", async () => {
    const strict = await startTestServer({ memory: true });
    cleanups.defer(() => strict.close());
    const res = await call(subUrl(strict, "local"), "PUT", webhook("http://127.0.0.1:8080/h"));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("WEBHOOK_URL_REJECTED");
    const allowed = await call(
      subUrl(suite.server, "local"),
      "PUT",
      webhook("http://127.0.0.1:8080/h"),
    );
    expect(allowed.status).toBe(201);
  });

  test("* matches one segment, ** any number (also zero), for existing and later streams", async () => {
    const { server } = suite;
    await createJsonStream(server, "g/a");
    await createJsonStream(server, "g/a/b");
    const pull = (pattern: string) => ({ type: "pull-wake", pattern, wake_stream: "g-wake" });
    expect((await call(subUrl(server, "deep"), "PUT", pull("g/**"))).status).toBe(201);
    expect((await call(subUrl(server, "one"), "PUT", pull("g/*"))).status).toBe(201);
    expect((await call(subUrl(server, "mid"), "PUT", pull("g/*/c"))).status).toBe(201);
    await createJsonStream(server, "g/a/b/c");
    await createJsonStream(server, "g/x/c");
    await createJsonStream(server, "gg/a");
    const paths = async (id: string) =>
      (await call(subUrl(server, id), "GET")).body.streams.map((s: { path: string }) => s.path);
    expect(await paths("deep")).toEqual(["g/a", "g/a/b", "g/a/b/c", "g/x/c"]);
    expect(await paths("one")).toEqual(["g/a"]);
    expect(await paths("mid")).toEqual(["g/x/c"]);
    await createJsonStream(server, "g");
    expect(await paths("deep")).toContain("g");
  });

  test("backfill links existing streams at their tail: no history replayed, no wake", async () => {
    const { server } = suite;
    await createJsonStream(server, "hist/a", [{ n: 1 }, { n: 2 }]);
    const tail = await appendJson(server, "hist/a", { n: 3 });
    await createJsonStream(server, "hist-wake");
    const res = await call(subUrl(server, "hist"), "PUT", {
      type: "pull-wake",
      pattern: "hist/*",
      wake_stream: "hist-wake",
    });
    expect(res.status).toBe(201);
    expect(res.body.streams).toEqual([{ path: "hist/a", link_type: "glob", acked_offset: tail }]);
    const claim = await call(subUrl(server, "hist", "/claim"), "POST", { worker: "w" });
    expect(claim.status).toBe(409);
    expect(claim.body.error.code).toBe("NO_PENDING_WORK");
    expect((await call(subUrl(server, "hist"), "GET")).body.generation).toBe(0);
  });

  test("explicit links win over glob links; removing the explicit link keeps the glob one", async () => {
    const { server } = suite;
    await createJsonStream(server, "mix/a");
    const put = await call(subUrl(server, "mix"), "PUT", {
      type: "pull-wake",
      pattern: "mix/*",
      streams: ["mix/a", "other/b"],
      wake_stream: "mix-wake",
    });
    expect(put.body.streams).toEqual([
      expect.objectContaining({ path: "mix/a", link_type: "explicit" }),
      expect.objectContaining({ path: "other/b", link_type: "explicit" }),
    ]);
    const del = (path: string) =>
      call(subUrl(server, "mix", `/streams/${encodeURIComponent(path)}`), "DELETE");
    expect((await del("mix/a")).status).toBe(204);
    expect((await del("other/b")).status).toBe(204);
    expect((await del("never/linked")).status).toBe(204);
    const after = await call(subUrl(server, "mix"), "GET");
    expect(after.body.streams).toEqual([
      expect.objectContaining({ path: "mix/a", link_type: "glob" }),
    ]);
    // Re-adding is idempotent and explicit again.
    for (let i = 0; i < 2; i++) {
      const add = await call(subUrl(server, "mix", "/streams"), "POST", { streams: ["mix/a"] });
      expect(add.status).toBe(204);
    }
    expect((await call(subUrl(server, "mix"), "GET")).body.streams).toEqual([
      expect.objectContaining({ path: "mix/a", link_type: "explicit" }),
    ]);
    const bad = await call(subUrl(server, "mix", "/streams"), "POST", { streams: ["a//b"] });
    expect(bad.status).toBe(400);
    const missing = await call(subUrl(server, "nope", "/streams"), "POST", { streams: ["a"] });
    expect(missing.status).toBe(404);
  });

  test("an explicit link to a stream that does not exist yet wakes on the stream's first data", async () => {
    const { server } = suite;
    await createJsonStream(server, "early-wake");
    await call(subUrl(server, "early"), "PUT", {
      type: "pull-wake",
      streams: ["early/s"],
      wake_stream: "early-wake",
    });
    await createJsonStream(server, "early/s", [{ first: true }]);
    const claim = await call(subUrl(server, "early", "/claim"), "POST", { worker: "w" });
    expect(claim.status).toBe(200);
    expect(claim.body.streams[0]).toMatchObject({ path: "early/s", has_pending: true });
  });

  test("GET is 404 after DELETE, DELETE is idempotent, and a re-created subscription starts over", async () => {
    const { server } = suite;
    const body = { type: "pull-wake", pattern: "gone/*", wake_stream: "gone-wake" };
    expect((await call(subUrl(server, "gone"), "PUT", body)).status).toBe(201);
    expect((await call(subUrl(server, "gone"), "DELETE")).status).toBe(204);
    expect((await call(subUrl(server, "gone"), "DELETE")).status).toBe(204);
    const get = await call(subUrl(server, "gone"), "GET");
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe("SUBSCRIPTION_NOT_FOUND");
    const claim = await call(subUrl(server, "gone", "/claim"), "POST", { worker: "w" });
    expect(claim.status).toBe(404);
    // A different configuration is accepted: the old one is gone.
    const again = await call(subUrl(server, "gone"), "PUT", { ...body, lease_ttl_ms: 5000 });
    expect(again.status).toBe(201);
    expect(again.body.generation).toBe(0);
  });

  test("JWKS: media type, cache headers, and key ids that survive a restart", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({ dataDir: dir, allowLocalhostWebhooks: true });
    const created = await call(subUrl(server, "keys"), "PUT", webhook("http://127.0.0.1:9/h"));
    const jwksUrl: string = created.body.webhook.signing.jwks_url;
    expect(jwksUrl).toBe(`${server.url}/v1/stream/__ds/jwks.json`);
    const res = await fetch(jwksUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const jwks = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
    expect(key!.kid).toBe(created.body.webhook.signing.kid);
    expect(key!.d).toBeUndefined();
    await server.close();
    server = await startTestServer({ dataDir: dir, allowLocalhostWebhooks: true });
    cleanups.defer(() => server.close());
    const after = (await (
      await fetch(`${server.url}/v1/stream/__ds/jwks.json`)
    ).json()) as typeof jwks;
    expect(after.keys).toEqual(jwks.keys);
  });

  test("the __ds namespace is never an application stream", async () => {
    const { server } = suite;
    const put = await fetch(stream(server, "__ds/mine"), { method: "PUT" });
    expect(put.status).toBe(400);
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe("RESERVED_PATH");
    expect((await fetch(stream(server, "__ds/mine"))).status).toBe(400);
    const wrongMethod = await fetch(stream(server, "__ds/jwks.json"), { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    const subPost = await fetch(subUrl(server, "x"), { method: "POST" });
    expect(subPost.status).toBe(405);
  });

  test("link and subscription limits refuse what exceeds them, whole", async () => {
    const limited = await startTestServer({
      memory: true,
      subscriptions: { maxLinksPerSubscription: 2, maxSubscriptions: 2 },
    });
    cleanups.defer(() => limited.close());
    const pull = (extra: Record<string, unknown>) => ({
      type: "pull-wake",
      wake_stream: "w",
      ...extra,
    });
    const tooMany = await call(
      subUrl(limited, "a"),
      "PUT",
      pull({ streams: ["x/1", "x/2", "x/3"] }),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe("LIMIT_EXCEEDED");
    for (const path of ["g/1", "g/2", "g/3"]) await createJsonStream(limited, path);
    const backfill = await call(subUrl(limited, "a"), "PUT", pull({ pattern: "g/*" }));
    expect(backfill.status).toBe(400);
    expect(backfill.body.error.code).toBe("LIMIT_EXCEEDED");
    expect((await call(subUrl(limited, "a"), "GET")).status).toBe(404);
    expect((await call(subUrl(limited, "a"), "PUT", pull({ streams: ["x/1"] }))).status).toBe(201);
    const add = await call(subUrl(limited, "a", "/streams"), "POST", { streams: ["x/2", "x/3"] });
    expect(add.status).toBe(400);
    expect(add.body.error.code).toBe("LIMIT_EXCEEDED");
    expect((await call(subUrl(limited, "a"), "GET")).body.streams).toHaveLength(1);
    expect((await call(subUrl(limited, "b"), "PUT", pull({ streams: ["x/1"] }))).status).toBe(201);
    const third = await call(subUrl(limited, "c"), "PUT", pull({ streams: ["x/1"] }));
    expect(third.status).toBe(400);
    expect(third.body.error.code).toBe("LIMIT_EXCEEDED");
  });

  test("with a server secret: control routes and claim need it, wake tokens authorize their own calls, the JWKS is public", async () => {
    const secured = await startTestServer({
      memory: true,
      secret: "s3cret",
      allowLocalhostWebhooks: true,
    });
    cleanups.defer(() => secured.close());
    const auth = { authorization: "Bearer s3cret" };
    const body = { type: "pull-wake", pattern: "sec/*", wake_stream: "sec-wake" };
    expect((await call(subUrl(secured, "sec"), "PUT", body)).status).toBe(401);
    expect((await call(subUrl(secured, "sec"), "PUT", body, auth)).status).toBe(201);
    expect((await call(subUrl(secured, "sec"), "GET")).status).toBe(401);
    expect((await fetch(`${secured.url}/v1/stream/__ds/jwks.json`)).status).toBe(200);
    expect((await fetch(`${secured.url}/v1/stream/__ds/unknown`)).status).toBe(401);
    await fetch(stream(secured, "sec/s"), {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: "[1]",
    });
    expect((await call(subUrl(secured, "sec", "/claim"), "POST", { worker: "w" })).status).toBe(
      401,
    );
    const claimed = await call(subUrl(secured, "sec", "/claim"), "POST", { worker: "w" }, auth);
    expect(claimed.status).toBe(200);
    const wake = {
      wake_id: claimed.body.wake_id,
      generation: claimed.body.generation,
      acks: [{ stream: "sec/s", offset: claimed.body.streams[0].tail_offset }],
    };
    const withSecret = await call(
      subUrl(secured, "sec", "/ack"),
      "POST",
      { ...wake, done: true },
      auth,
    );
    expect(withSecret.status).toBe(401);
    const done = await call(
      subUrl(secured, "sec", "/ack"),
      "POST",
      { ...wake, done: true },
      {
        authorization: `Bearer ${claimed.body.token}`,
      },
    );
    expect(done.body).toEqual({ ok: true, next_wake: false });
  });

  test("with a public URL, callback and JWKS URLs use it instead of the request's host", async () => {
    const proxied = await startTestServer({
      memory: true,
      publicUrl: "https://streams.example.com",
      allowLocalhostWebhooks: true,
    });
    cleanups.defer(() => proxied.close());
    const res = await call(subUrl(proxied, "pub"), "PUT", webhook("http://127.0.0.1:9/h"));
    expect(res.body.webhook.signing.jwks_url).toBe(
      "https://streams.example.com/v1/stream/__ds/jwks.json",
    );
    await expect(
      startTestServer({ memory: true, publicUrl: "streams.example.com" }),
    ).rejects.toThrow(/public URL/);
  });

  test("a deleted stream's glob link goes; an explicit link starts over for a stream re-created there", async () => {
    const { server } = suite;
    await createJsonStream(server, "del/g", [{ n: 1 }]);
    await createJsonStream(server, "del/e", [{ n: 1 }]);
    await call(subUrl(server, "del"), "PUT", {
      type: "pull-wake",
      pattern: "del/g",
      streams: ["del/e"],
      wake_stream: "del-wake",
    });
    expect((await fetch(stream(server, "del/g"), { method: "DELETE" })).status).toBe(204);
    expect((await fetch(stream(server, "del/e"), { method: "DELETE" })).status).toBe(204);
    const after = (await call(subUrl(server, "del"), "GET")).body;
    expect(after.streams).toEqual([
      { path: "del/e", link_type: "explicit", acked_offset: "0000000000000000_0000000000000000" },
    ]);
    // Re-created with data: new data to the subscription, from the start.
    await createJsonStream(server, "del/e", [{ again: true }]);
    const claim = await call(subUrl(server, "del", "/claim"), "POST", { worker: "w" });
    expect(claim.status).toBe(200);
    expect(claim.body.streams).toEqual([
      expect.objectContaining({ path: "del/e", has_pending: true }),
    ]);
  });

  test("a pull-wake subscription whose wake stream does not exist still wakes and can be claimed", async () => {
    const { server } = suite;
    await call(subUrl(server, "nowake"), "PUT", {
      type: "pull-wake",
      pattern: "nowake/*",
      wake_stream: "nowake-missing",
    });
    await createJsonStream(server, "nowake/s", [{ n: 1 }]);
    expect((await fetch(stream(server, "nowake-missing"))).status).toBe(404);
    const claim = await call(subUrl(server, "nowake", "/claim"), "POST", { worker: "w" });
    expect(claim.status).toBe(200);
    expect(claim.body.generation).toBe(1);
  });
});
