/**
 * Pull-wake workers (spec 7.2, 7.3): wake events on the wake stream, claim
 * and ALREADY_CLAIMED, ack as heartbeat, ack with done, release, lease
 * expiry, and fencing of stale acks and releases.
 */

import { describe, expect, test } from "vitest";
import { suiteServer } from "./helpers.js";
import {
  appendJson,
  call,
  createJsonStream,
  type Json,
  subUrl,
  until,
  waitForMessages,
} from "./subscription-api.js";

let counter = 0;

describe("pull-wake subscriptions", () => {
  const suite = suiteServer({ allowLocalhostWebhooks: true });

  /** A pull-wake subscription over `<id>/*` with its wake stream; returns the names. */
  async function setUp(leaseTtlMs = 30_000) {
    const id = `pull-${++counter}`;
    const wake = `${id}-wake`;
    await createJsonStream(suite.server, wake);
    const res = await call(subUrl(suite.server, id), "PUT", {
      type: "pull-wake",
      pattern: `${id}/*`,
      wake_stream: wake,
      lease_ttl_ms: leaseTtlMs,
    });
    expect(res.status).toBe(201);
    return { id, wake, path: `${id}/s` };
  }

  const claim = (id: string, worker: string) =>
    call(subUrl(suite.server, id, "/claim"), "POST", { worker });
  const ack = (id: string, claimed: Json, extra: Record<string, unknown>) =>
    call(
      subUrl(suite.server, id, "/ack"),
      "POST",
      { wake_id: claimed.wake_id, generation: claimed.generation, ...extra },
      { authorization: `Bearer ${claimed.token}` },
    );
  const release = (id: string, claimed: Json, body?: Record<string, unknown>) =>
    call(
      subUrl(suite.server, id, "/release"),
      "POST",
      body ?? { wake_id: claimed.wake_id, generation: claimed.generation },
      { authorization: `Bearer ${claimed.token}` },
    );
  const state = async (id: string) => (await call(subUrl(suite.server, id), "GET")).body;

  test("a wake event names the subscription, stream and generation; a second worker gets ALREADY_CLAIMED", async () => {
    const { id, wake, path } = await setUp();
    await createJsonStream(suite.server, path, { n: 1 });
    const [event] = await waitForMessages(suite.server, wake, 0);
    expect(event).toMatchObject({ type: "wake", subscription_id: id, stream: path, generation: 1 });
    expect(typeof event.ts).toBe("number");
    const claimed = await claim(id, "w1");
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ generation: 1, lease_ttl_ms: 30_000 });
    expect(claimed.body.streams).toEqual([
      expect.objectContaining({ path, link_type: "glob", has_pending: true }),
    ]);
    const busy = await claim(id, "w2");
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({
      code: "ALREADY_CLAIMED",
      current_holder: "w1",
      generation: 1,
    });
    expect((await claim(id, "")).status).toBe(400);
  });

  test("an ack without done is a heartbeat: acks apply and the lease is extended", async () => {
    const { id, path } = await setUp();
    const first = await createJsonStream(suite.server, path, { n: 1 });
    const claimed = (await claim(id, "w1")).body;
    const leaseAtClaim = Date.parse((await state(id)).lease_expires_at);
    // Let the server's clock move on, so an extended lease ends strictly later.
    await until(async () => Date.now() > leaseAtClaim - 30_000 + 20);
    const beat = await ack(id, claimed, { acks: [{ stream: path, offset: first }] });
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual({ ok: true, next_wake: false });
    const after = await state(id);
    expect(after.holder).toBe("w1");
    expect(Date.parse(after.lease_expires_at)).toBeGreaterThan(leaseAtClaim);
    expect(after.streams[0].acked_offset).toBe(first);
    // Still claimed: the heartbeat kept the lease.
    expect((await claim(id, "w2")).status).toBe(409);
  });

  test("ack with done reports next_wake when data arrived meanwhile, and that wake is announced", async () => {
    const { id, wake, path } = await setUp();
    const first = await createJsonStream(suite.server, path, { n: 1 });
    const claimed = (await claim(id, "w1")).body;
    await appendJson(suite.server, path, { n: 2 });
    const done = await ack(id, claimed, { acks: [{ stream: path, offset: first }], done: true });
    expect(done.body).toEqual({ ok: true, next_wake: true });
    const events = await waitForMessages(suite.server, wake, 1);
    expect(events.map((e: Json) => e.generation)).toEqual([1, 2]);
    const next = (await claim(id, "w2")).body;
    expect(next.generation).toBe(2);
    expect(next.streams[0].acked_offset).toBe(first);
  });

  test("release without ack re-wakes pending work; the released wake is fenced", async () => {
    const { id, wake, path } = await setUp();
    await createJsonStream(suite.server, path, { n: 1 });
    const claimed = (await claim(id, "w1")).body;
    expect((await release(id, claimed)).status).toBe(204);
    const events = await waitForMessages(suite.server, wake, 1);
    expect(events[1]).toMatchObject({ subscription_id: id, generation: 2 });
    const again = await release(id, claimed);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("FENCED");
    const staleAck = await ack(id, claimed, { done: true });
    expect(staleAck.status).toBe(409);
    expect(staleAck.body.error.code).toBe("FENCED");
    const next = await claim(id, "w2");
    expect(next.body.generation).toBe(2);
  });

  test("stale wake ids and generations are fenced on ack and release, and change nothing", async () => {
    const { id, path } = await setUp();
    const tail = await createJsonStream(suite.server, path, { n: 1 });
    const claimed = (await claim(id, "w1")).body;
    const wrongWake = await ack(
      id,
      { ...claimed, wake_id: "w_0" },
      { acks: [{ stream: path, offset: tail }] },
    );
    expect(wrongWake.status).toBe(409);
    expect(wrongWake.body.error.code).toBe("FENCED");
    const wrongGeneration = await release(id, claimed, { wake_id: claimed.wake_id, generation: 0 });
    expect(wrongGeneration.status).toBe(409);
    expect(wrongGeneration.body.error.code).toBe("FENCED");
    const after = await state(id);
    expect(after.holder).toBe("w1");
    expect(after.streams[0].acked_offset).not.toBe(tail);
    const unknownStream = await ack(id, claimed, { acks: [{ stream: "elsewhere", offset: tail }] });
    expect(unknownStream.status).toBe(409);
    expect(unknownStream.body.error.code).toBe("INVALID_OFFSET");
    const badOffset = await ack(id, claimed, { acks: [{ stream: path, offset: "nope" }] });
    expect(badOffset.status).toBe(400);
    const webhookOnly = await call(
      subUrl(suite.server, id, "/callback"),
      "POST",
      {
        wake_id: claimed.wake_id,
        generation: claimed.generation,
      },
      { authorization: `Bearer ${claimed.token}` },
    );
    expect(webhookOnly.status).toBe(400);
    expect(webhookOnly.body.error.code).toBe("WRONG_SUBSCRIPTION_TYPE");
  });

  test("an expired lease clears the holder and wakes the pending work again", async () => {
    const { id, wake, path } = await setUp(1000);
    await createJsonStream(suite.server, path, { n: 1 });
    const claimed = (await claim(id, "w1")).body;
    // The second wake event is the server's lease expiry at work.
    const events = await waitForMessages(suite.server, wake, 1);
    expect(events[1]).toMatchObject({ generation: claimed.generation + 1 });
    const after = await state(id);
    expect(after.holder).toBeNull();
    const late = await ack(id, claimed, { done: true });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("FENCED");
    const next = await claim(id, "w2");
    expect(next.status).toBe(200);
    expect(next.body.generation).toBe(claimed.generation + 1);
  });

  test("claim with nothing pending is NO_PENDING_WORK; claim is refused on webhook subscriptions", async () => {
    const { id } = await setUp();
    const idle = await claim(id, "w1");
    expect(idle.status).toBe(409);
    expect(idle.body.error.code).toBe("NO_PENDING_WORK");
    await call(subUrl(suite.server, "pull-hook"), "PUT", {
      type: "webhook",
      pattern: "pull-hook/*",
      webhook: { url: "http://127.0.0.1:9/h" },
    });
    const onWebhook = await claim("pull-hook", "w1");
    expect(onWebhook.status).toBe(400);
    expect(onWebhook.body.error.code).toBe("WRONG_SUBSCRIPTION_TYPE");
  });
});
