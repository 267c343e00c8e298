/**
 * What the Worker and its objects refuse, on workerd: requests without the
 * bearer secret, bodies over MAX_BODY_BYTES (declared or streamed), appends
 * past a stream's MAX_STREAM_BYTES, the reserved `__ds` namespace and
 * malformed paths — each with a precise JSON error, the security and CORS
 * headers of every response, and nothing stored changed.
 */

import { connect } from "node:net";
import { signStreamToken } from "@durastream/server-core";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const SECRET = "s3cret-for-tests";
const AUTH = { authorization: `Bearer ${SECRET}` };
const TEXT = { ...AUTH, "content-type": "text/plain" };

let worker: LocalWorker;
let cleanup = () => {};
/** An EdDSA token issuer the Worker is configured with (`STREAMS_TOKEN_PUBLIC_KEYS`). */
const issuer = await generateKeyPair("EdDSA", { extractable: true });

beforeAll(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  const publicJwk = { ...(await exportJWK(issuer.publicKey)), alg: "EdDSA", kid: "issuer-1" };
  worker = await startLocalWorker({
    port: 0,
    persistTo: temp.dir,
    vars: {
      STREAMS_SECRET: SECRET,
      STREAMS_CORS_ORIGINS: "https://app.example",
      STREAMS_TOKEN_PUBLIC_KEYS: JSON.stringify([publicJwk]),
      MAX_BODY_BYTES: "1024",
      MAX_STREAM_BYTES: "4096",
    },
  });
});

afterAll(async () => {
  await worker?.close();
  cleanup();
});

const streamUrl = (path: string) => `${worker.url}/v1/stream/${path}`;

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get("content-type")).toBe("application/json");
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

async function tailOf(path: string): Promise<string | null> {
  const head = await fetch(streamUrl(path), { method: "HEAD", headers: AUTH });
  return head.headers.get("stream-next-offset");
}

describe("Cloudflare Worker: auth and headers", () => {
  it("refuses requests without the bearer secret, SSE included, and serves them with it", async () => {
    const url = streamUrl("auth/one");
    const bare = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toContain("Bearer");
    expect((await errorOf(bare)).code).toBe("UNAUTHORIZED");
    const wrong = await fetch(url, { method: "PUT", headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect((await fetch(url, { method: "PUT", headers: TEXT })).status).toBe(201);
    expect((await fetch(`${url}?offset=-1&live=sse`)).status).toBe(401);
    const sse = await fetch(`${url}?offset=-1&live=sse`, { headers: AUTH });
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
  });

  it("scoped tokens: HS256 signed with the secret and EdDSA from a configured key, each within its scope", async () => {
    const url = streamUrl("scoped/room");
    expect((await fetch(url, { method: "PUT", headers: TEXT, body: "hello" })).status).toBe(201);
    const reader = `Bearer ${await signStreamToken(SECRET, {
      paths: ["scoped/**"],
      ops: ["read"],
      ttlSeconds: 60,
    })}`;
    const read = await fetch(`${url}?offset=-1`, { headers: { authorization: reader } });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello");
    const append = await fetch(url, {
      method: "POST",
      headers: { authorization: reader, "content-type": "text/plain" },
      body: "nope",
    });
    expect(append.status).toBe(403);
    expect((await errorOf(append)).code).toBe("FORBIDDEN");

    const eddsa = await new SignJWT({ paths: "scoped/*", ops: ["append"] })
      .setProtectedHeader({ alg: "EdDSA", kid: "issuer-1" })
      .setExpirationTime("5m")
      .sign(issuer.privateKey);
    const appended = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${eddsa}`, "content-type": "text/plain" },
      body: "!",
    });
    expect(appended.status).toBe(204);
    const after = await fetch(`${url}?offset=-1`, { headers: AUTH });
    expect(await after.text()).toBe("hello!");
  });

  it("puts the security and CORS headers on answers and preflights", async () => {
    const url = streamUrl("auth/headers");
    const created = await fetch(url, {
      method: "PUT",
      headers: { ...TEXT, origin: "https://app.example" },
    });
    expect(created.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(created.headers.get("access-control-expose-headers")).toContain("Stream-Next-Offset");
    expect(created.headers.get("x-content-type-options")).toBe("nosniff");
    expect(created.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Producer-Id");
    // With a secret, only the configured origins may read responses.
    const other = await fetch(url, {
      method: "HEAD",
      headers: { ...AUTH, origin: "https://x.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("Cloudflare Worker: limits", () => {
  it("refuses a body over MAX_BODY_BYTES, declared or streamed, and stores nothing", async () => {
    const url = streamUrl("limits/body");
    expect((await fetch(url, { method: "PUT", headers: TEXT })).status).toBe(201);
    const declared = await fetch(url, { method: "POST", headers: TEXT, body: "x".repeat(1025) });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe("PAYLOAD_TOO_LARGE");
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(512).fill(0x61));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: "POST",
      headers: TEXT,
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await tailOf("limits/body")).toBe("0000000000000000_0000000000000000");
    expect(
      (await fetch(url, { method: "POST", headers: TEXT, body: "x".repeat(1024) })).status,
    ).toBe(204);
  });

  it("refuses an append past MAX_STREAM_BYTES with 507 and keeps the stream as it was", async () => {
    const url = streamUrl("limits/storage");
    expect((await fetch(url, { method: "PUT", headers: TEXT })).status).toBe(201);
    for (let i = 0; i < 4; i++) {
      expect(
        (await fetch(url, { method: "POST", headers: TEXT, body: "y".repeat(1000) })).status,
      ).toBe(204);
    }
    const before = await tailOf("limits/storage");
    const full = await fetch(url, {
      method: "POST",
      headers: { ...TEXT, "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" },
      body: "z".repeat(100),
    });
    expect(full.status).toBe(507);
    const error = await errorOf(full);
    expect(error.code).toBe("STORAGE_LIMIT");
    expect(error.message).toContain("4096");
    expect(await tailOf("limits/storage")).toBe(before);
    // The refused producer request left no producer state: seq 0 is still the next.
    const fits = await fetch(url, {
      method: "POST",
      headers: { ...TEXT, "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" },
      body: "z".repeat(96),
    });
    expect(fits.status).toBe(200);
  });
});

describe("Cloudflare Worker: routing", () => {
  it("answers the reserved namespace, malformed paths and other routes without a stream", async () => {
    // The listing (answered by the registry object) asks for the same token as streams.
    const listing = await fetch(`${worker.url}/v1/stream/__ds/streams`, { headers: AUTH });
    expect(listing.status).toBe(200);
    const anonymous = await fetch(`${worker.url}/v1/stream/__ds/streams`);
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe("UNAUTHORIZED");
    // Subscriptions (answered by the coordinator object) too.
    const subscriptions = await fetch(`${worker.url}/v1/stream/__ds/subscriptions/s`, {
      headers: AUTH,
    });
    expect(subscriptions.status).toBe(404);
    expect((await errorOf(subscriptions)).code).toBe("SUBSCRIPTION_NOT_FOUND");
    const anonymousSubscription = await fetch(`${worker.url}/v1/stream/__ds/subscriptions/s`);
    expect(anonymousSubscription.status).toBe(401);
    const registryStream = await fetch(`${worker.url}/v1/stream/__ds/registry`, {
      headers: AUTH,
    });
    expect(registryStream.status).toBe(501);
    expect((await errorOf(registryStream)).code).toBe("NOT_IMPLEMENTED");
    const unknown = await fetch(`${worker.url}/v1/stream/__ds/nothing`, {
      method: "PUT",
      headers: TEXT,
    });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).code).toBe("RESERVED_PATH");
    const unauthenticated = await fetch(`${worker.url}/v1/stream/__ds/nothing`);
    expect(unauthenticated.status).toBe(401);
    const encodedSlash = await fetch(`${worker.url}/v1/stream/a%2Fb`, { headers: AUTH });
    expect(encodedSlash.status).toBe(400);
    expect((await errorOf(encodedSlash)).code).toBe("BAD_REQUEST");
    const outside = await fetch(`${worker.url}/elsewhere`, { headers: AUTH });
    expect(outside.status).toBe(404);
  });
});

/**
 * Sends `first` and then, once it is answered, `second` on one connection;
 * resolves with both status lines, or rejects if the server closes first.
 */
function twoOnOneConnection(first: string, second: string): Promise<string[]> {
  const { hostname, port } = new URL(worker.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    let sentSecond = false;
    const statuses = () => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      received += text;
      if (!sentSecond && statuses().length >= 1) {
        sentSecond = true;
        socket.write(second);
      }
      if (statuses().length >= 2) {
        socket.destroy();
        resolve(statuses());
      }
    });
    socket.on("error", reject);
    socket.on("close", () =>
      reject(new Error(`connection closed after: ${statuses().join(", ")}`)),
    );
    socket.write(first);
  });
}

describe("Cloudflare Worker: connections", () => {
  it("keeps the connection after answering without reading the request body", async () => {
    const host = new URL(worker.url).host;
    const auth = `Authorization: Bearer ${SECRET}\r\n`;
    const body = "x".repeat(5000);
    const post = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${auth}Content-Type: text/plain\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`;
    const head = `HEAD /v1/stream/missing HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\n`;
    // Refused by the engine before the body (no such stream), and by the Worker itself.
    expect(await twoOnOneConnection(post("/v1/stream/missing"), head)).toEqual([
      "HTTP/1.1 404",
      "HTTP/1.1 404",
    ]);
    expect(await twoOnOneConnection(post("/v1/stream/__ds/registry"), head)).toEqual([
      "HTTP/1.1 501",
      "HTTP/1.1 404",
    ]);
    // Refused by the subscription coordinator (no such method).
    expect(await twoOnOneConnection(post("/v1/stream/__ds/subscriptions/s"), head)).toEqual([
      "HTTP/1.1 405",
      "HTTP/1.1 404",
    ]);
    // Refused by the listing's registry object.
    expect(await twoOnOneConnection(post("/v1/stream/__ds/streams"), head)).toEqual([
      "HTTP/1.1 405",
      "HTTP/1.1 404",
    ]);
  });
});
