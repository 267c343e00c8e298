/**
 * Webhook delivery (spec 7.1, 7.3, 12.8-12.10) against real local receivers:
 * signatures checked with WebCrypto against the served JWKS, async callbacks
 * and fencing, a new wake for data after the snapshot, retries with backoff
 * and `failed` status, lease expiry, deletion while a wake is in flight, and
 * the delivery-time address check.
 */

import { importJWK, type JWK } from "jose";
import { describe, expect, test } from "vitest";
import { nodeWebhookSender } from "../src/ports/webhook-sender.js";
import { suiteServer, testCleanups } from "./helpers.js";
import { appendJson, call, createJsonStream, subUrl, until } from "./subscription-api.js";
import { type ReceivedWebhook, startReceiver } from "./webhook-receiver.js";

let counter = 0;
const uniqueId = (name: string) => `${name}-${++counter}`;

describe("webhook delivery", () => {
  // Jitter fixed at its midpoint (0): retry delays are exactly 1 s, 2 s, 4 s, …
  // (the ±20 % spread itself is checked in server-core's backoff test).
  const suite = suiteServer({ allowLocalhostWebhooks: true, subscriptions: { random: () => 0.5 } });
  const cleanups = testCleanups();

  async function subscribe(id: string, url: string, pattern: string, leaseTtlMs = 30_000) {
    const res = await call(subUrl(suite.server, id), "PUT", {
      type: "webhook",
      pattern,
      webhook: { url },
      lease_ttl_ms: leaseTtlMs,
    });
    expect(res.status).toBe(201);
    cleanups.defer(async () => {
      await call(subUrl(suite.server, id), "DELETE");
    });
    return res.body;
  }

  async function receiver(...args: Parameters<typeof startReceiver>) {
    const started = await startReceiver(...args);
    cleanups.defer(() => started.close());
    return started;
  }

  /** Verifies `Webhook-Signature` with WebCrypto Ed25519 and a key from the served JWKS. */
  async function verify(hook: ReceivedWebhook, jwksUrl: string, rawBody = hook.rawBody) {
    const header = String(hook.headers["webhook-signature"]);
    const match = /^t=(\d+),kid=([^,]+),ed25519=([A-Za-z0-9_-]+)$/.exec(header);
    expect(match).not.toBeNull();
    const [, t, kid, signature] = match!;
    expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(300);
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: JWK[] };
    const jwk = jwks.keys.find((key) => key.kid === kid);
    expect(jwk).toBeDefined();
    const key = (await importJWK(jwk!, "EdDSA")) as CryptoKey;
    return crypto.subtle.verify(
      "Ed25519",
      key,
      Buffer.from(signature!, "base64url"),
      new TextEncoder().encode(`${t}.${rawBody}`),
    );
  }

  test("the signature verifies with WebCrypto against the served JWKS, and fails for another body", async () => {
    const hooks = await receiver(() => ({ status: 200, body: { done: true } }));
    const id = uniqueId("sig");
    const created = await subscribe(id, hooks.url, `${id}/*`);
    await createJsonStream(suite.server, `${id}/s`, { hello: "world" });
    const hook = await hooks.nth(1);
    expect(hook.headers["content-type"]).toBe("application/json");
    expect(await verify(hook, created.webhook.signing.jwks_url)).toBe(true);
    expect(await verify(hook, created.webhook.signing.jwks_url, `${hook.rawBody} `)).toBe(false);
    expect(hook.body).toMatchObject({ subscription_id: id, generation: 1 });
    expect(hook.body.wake_id).toMatch(/^w_/);
    expect(hook.body.callback_url).toBe(subUrl(suite.server, id, "/callback"));
  });

  test("async callback: partial ack extends the lease, done ends the wake, stale or foreign tokens are refused", async () => {
    const hooks = await receiver();
    const id = uniqueId("cb");
    await subscribe(id, hooks.url, `${id}/*`);
    const first = await appendOrCreate(`${id}/s`);
    const hook = await hooks.nth(1);
    const { callback_url: url, callback_token: token, wake_id, generation } = hook.body;
    const auth = { authorization: `Bearer ${token}` };
    const leaseBefore = (await call(subUrl(suite.server, id), "GET")).body.lease_expires_at;
    // Let the server's clock move on, so an extended lease ends strictly later.
    await until(async () => Date.now() > Date.parse(leaseBefore) - 30_000 + 20);

    const partial = await call(
      url,
      "POST",
      { wake_id, generation, acks: [{ stream: `${id}/s`, offset: first }] },
      auth,
    );
    expect(partial.status).toBe(200);
    expect(partial.body).toEqual({ ok: true, next_wake: false });
    const state = (await call(subUrl(suite.server, id), "GET")).body;
    expect(state.streams[0].acked_offset).toBe(first);
    expect(Date.parse(state.lease_expires_at)).toBeGreaterThan(Date.parse(leaseBefore));

    const noToken = await call(url, "POST", { wake_id, generation, done: true });
    expect(noToken.status).toBe(401);
    const forged = await call(
      url,
      "POST",
      { wake_id, generation, done: true },
      { authorization: "Bearer abc.def.ghi" },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("TOKEN_INVALID");
    const wrongWake = await call(url, "POST", { wake_id: "w_other", generation, done: true }, auth);
    expect(wrongWake.status).toBe(409);
    expect(wrongWake.body.error.code).toBe("FENCED");
    const pastTail = await call(
      url,
      "POST",
      {
        wake_id,
        generation,
        acks: [{ stream: `${id}/s`, offset: "0000000000000000_0000000000999999" }],
      },
      auth,
    );
    expect(pastTail.status).toBe(409);
    expect(pastTail.body.error.code).toBe("INVALID_OFFSET");

    const done = await call(url, "POST", { wake_id, generation, done: true }, auth);
    expect(done.body).toEqual({ ok: true, next_wake: false });
    const stale = await call(url, "POST", { wake_id, generation, done: true }, auth);
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("FENCED");

    // Another subscription's token does not open this one.
    const otherId = uniqueId("cb-other");
    await subscribe(otherId, hooks.url, `${otherId}/*`);
    await appendOrCreate(`${otherId}/s`);
    const other = await hooks.nth(2);
    const foreign = await call(
      url,
      "POST",
      { wake_id: other.body.wake_id, generation: other.body.generation },
      {
        authorization: `Bearer ${other.body.callback_token}`,
      },
    );
    expect(foreign.status).toBe(401);
  });

  test("data appended after the wake snapshot gets a new wake with a new wake_id and generation", async () => {
    const id = uniqueId("after");
    let secondTail = "";
    const hooks = await receiver(async (_hook, index) => {
      if (index === 1) secondTail = await appendJson(suite.server, `${id}/s`, { n: 2 });
      return { status: 200, body: { done: true } };
    });
    await subscribe(id, hooks.url, `${id}/*`);
    await createJsonStream(suite.server, `${id}/s`, { n: 1 });
    const first = await hooks.nth(1);
    const second = await hooks.nth(2);
    expect(second.body.generation).toBe(first.body.generation + 1);
    expect(second.body.wake_id).not.toBe(first.body.wake_id);
    const firstTail = first.body.streams[0]!.tail_offset;
    expect(second.body.streams[0]).toMatchObject({
      acked_offset: firstTail,
      tail_offset: secondTail,
      has_pending: true,
    });
    await until(
      async () =>
        (await call(subUrl(suite.server, id), "GET")).body.streams[0].acked_offset === secondTail,
    );
  });

  test("failed deliveries retry with exponential backoff; status is failed while retrying", async () => {
    const hooks = await receiver((_hook, index) =>
      index <= 2 ? { status: 503 } : { status: 200, body: { done: true } },
    );
    const id = uniqueId("retry");
    await subscribe(id, hooks.url, `${id}/*`);
    await createJsonStream(suite.server, `${id}/s`, { n: 1 });
    const state = async () => (await call(subUrl(suite.server, id), "GET")).body;

    const first = await hooks.nth(1);
    await until(async () => (await state()).status === "failed");
    const afterFirst = await state();
    const firstDelay = Date.parse(afterFirst.next_attempt_at) - first.at;
    // At least the delay (counted from the failure, after the request arrived),
    // and well short of the next step.
    expect(firstDelay).toBeGreaterThanOrEqual(1000);
    expect(firstDelay).toBeLessThan(2000);

    const second = await hooks.nth(2);
    expect(second.at).toBeGreaterThanOrEqual(Date.parse(afterFirst.next_attempt_at) - 5);
    expect(second.body.wake_id).toBe(first.body.wake_id);
    await until(async () => (await state()).next_attempt_at !== afterFirst.next_attempt_at);
    const afterSecond = await state();
    expect(afterSecond.status).toBe("failed");
    const secondDelay = Date.parse(afterSecond.next_attempt_at) - second.at;
    expect(secondDelay).toBeGreaterThanOrEqual(2000);
    expect(secondDelay).toBeLessThan(4000);

    const third = await hooks.nth(3);
    expect(third.at).toBeGreaterThanOrEqual(Date.parse(afterSecond.next_attempt_at) - 5);
    await until(
      async () => (await state()).streams[0].acked_offset === third.body.streams[0]!.tail_offset,
    );
    const healed = await state();
    expect(healed.status).toBe("active");
    expect(healed.next_attempt_at).toBeNull();
  });

  test("a lease that runs out without a callback gets a new wake", async () => {
    const hooks = await receiver();
    const id = uniqueId("lease");
    await subscribe(id, hooks.url, `${id}/*`, 1000);
    await createJsonStream(suite.server, `${id}/s`, { n: 1 });
    const first = await hooks.nth(1);
    const second = await hooks.nth(2);
    expect(second.body.generation).toBe(first.body.generation + 1);
    const late = await call(
      first.body.callback_url,
      "POST",
      { wake_id: first.body.wake_id, generation: first.body.generation, done: true },
      { authorization: `Bearer ${first.body.callback_token}` },
    );
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("FENCED");
  });

  test("a callback in flight when its subscription is deleted fails and moves no cursor", async () => {
    const hooks = await receiver();
    const id = uniqueId("deleted");
    await subscribe(id, hooks.url, `${id}/*`);
    const tail1 = await appendOrCreate(`${id}/s`);
    const old = await hooks.nth(1);
    const oldAuth = { authorization: `Bearer ${old.body.callback_token}` };
    expect((await call(subUrl(suite.server, id), "DELETE")).status).toBe(204);
    const afterDelete = await call(
      old.body.callback_url,
      "POST",
      {
        wake_id: old.body.wake_id,
        generation: old.body.generation,
        acks: [{ stream: `${id}/s`, offset: tail1 }],
        done: true,
      },
      oldAuth,
    );
    expect(afterDelete.status).toBe(404);
    expect(afterDelete.body.error.code).toBe("SUBSCRIPTION_NOT_FOUND");

    // Re-created under the same id and woken again (generation 1 again): the
    // old token belongs to the deleted subscription and opens nothing.
    await subscribe(id, hooks.url, `${id}/*`);
    const tail2 = await appendJson(suite.server, `${id}/s`, { n: 2 });
    const fresh = await hooks.nth(2);
    expect(fresh.body.generation).toBe(old.body.generation);
    const wake = { wake_id: fresh.body.wake_id, generation: fresh.body.generation };
    const replayed = await call(
      fresh.body.callback_url,
      "POST",
      { ...wake, acks: [{ stream: `${id}/s`, offset: tail2 }], done: true },
      oldAuth,
    );
    expect(replayed.status).toBe(401);
    const state = (await call(subUrl(suite.server, id), "GET")).body;
    expect(state.streams[0].acked_offset).toBe(tail1);
    const own = await call(
      fresh.body.callback_url,
      "POST",
      { ...wake, acks: [{ stream: `${id}/s`, offset: tail2 }], done: true },
      { authorization: `Bearer ${fresh.body.callback_token}` },
    );
    expect(own.body).toEqual({ ok: true, next_wake: false });
  });

  test("delivery re-checks the addresses a name resolves to (DNS rebinding)", async () => {
    const hooks = await receiver();
    const port = new URL(hooks.url).port;
    const body = new TextEncoder().encode("{}");
    const strict = nodeWebhookSender(false);
    await expect(
      strict.post(`http://localhost:${port}/hook`, {}, body, new AbortController().signal),
    ).rejects.toThrow(/loopback/);
    await expect(
      strict.post(`http://127.0.0.1:${port}/hook`, {}, body, new AbortController().signal),
    ).rejects.toThrow(/loopback/);
    expect(hooks.received).toHaveLength(0);
    const development = nodeWebhookSender(true);
    const reply = await development.post(
      `http://localhost:${port}/hook`,
      {},
      body,
      new AbortController().signal,
    );
    expect(reply.status).toBe(200);
    expect(hooks.received).toHaveLength(1);
  });

  /** Creates the stream with one message; returns its tail. */
  async function appendOrCreate(path: string): Promise<string> {
    return createJsonStream(suite.server, path, { n: 1 });
  }
});
