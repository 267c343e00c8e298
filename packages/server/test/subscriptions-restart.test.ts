/**
 * Subscription state survives `kill -9`: leases and their holders, wake
 * tokens (the HMAC key is persisted), lease expiry, and the webhook retry
 * schedule, which a restarted server resumes where it left off.
 */

import { describe, expect, test } from "vitest";
import { type ChildServer, spawnServer, testCleanups } from "./helpers.js";
import {
  appendJson,
  call,
  createJsonStream,
  subUrl,
  until,
  waitForMessages,
} from "./subscription-api.js";
import { startReceiver } from "./webhook-receiver.js";

describe("subscriptions across kill -9", () => {
  const cleanups = testCleanups();

  async function start(dir: string): Promise<ChildServer> {
    const server = await spawnServer(["--data-dir", dir, "--allow-localhost-webhooks"]);
    cleanups.defer(async () => {
      if (server.process.exitCode === null && server.process.signalCode === null) {
        server.process.kill("SIGKILL");
        await server.exited;
      }
    });
    return server;
  }

  async function kill(server: ChildServer): Promise<void> {
    server.process.kill("SIGKILL");
    await server.exited;
  }

  test("a held lease, its holder and its token survive; the ack after the restart lands", async () => {
    const dir = cleanups.tempDir();
    let server = await start(dir);
    await createJsonStream(server, "wake");
    await call(subUrl(server, "held"), "PUT", {
      type: "pull-wake",
      pattern: "held/*",
      wake_stream: "wake",
      lease_ttl_ms: 600_000,
    });
    const tail = await createJsonStream(server, "held/s", { n: 1 });
    const claimed = await call(subUrl(server, "held", "/claim"), "POST", { worker: "w1" });
    expect(claimed.status).toBe(200);
    await kill(server);

    server = await start(dir);
    const busy = await call(subUrl(server, "held", "/claim"), "POST", { worker: "w2" });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "ALREADY_CLAIMED", current_holder: "w1" });
    const done = await call(
      subUrl(server, "held", "/ack"),
      "POST",
      {
        wake_id: claimed.body.wake_id,
        generation: claimed.body.generation,
        acks: [{ stream: "held/s", offset: tail }],
        done: true,
      },
      { authorization: `Bearer ${claimed.body.token}` },
    );
    expect(done.body).toEqual({ ok: true, next_wake: false });
    // Acknowledged means durable: the cursor is there after another crash.
    await kill(server);
    server = await start(dir);
    const state = (await call(subUrl(server, "held"), "GET")).body;
    expect(state.streams).toEqual([{ path: "held/s", link_type: "glob", acked_offset: tail }]);
    expect(state.holder).toBeNull();
  });

  test("a lease that ends while or after the server is down still ends, and re-wakes", async () => {
    const dir = cleanups.tempDir();
    let server = await start(dir);
    await createJsonStream(server, "wake");
    await call(subUrl(server, "short"), "PUT", {
      type: "pull-wake",
      pattern: "short/*",
      wake_stream: "wake",
      lease_ttl_ms: 1000,
    });
    await createJsonStream(server, "short/s", { n: 1 });
    const claimed = await call(subUrl(server, "short", "/claim"), "POST", { worker: "w1" });
    expect(claimed.status).toBe(200);
    await kill(server);
    server = await start(dir);
    const events = await waitForMessages(server, "wake", 1);
    expect(events[1]).toMatchObject({ subscription_id: "short", generation: 2 });
    const next = await call(subUrl(server, "short", "/claim"), "POST", { worker: "w2" });
    expect(next.body.generation).toBe(2);
  });

  test("the webhook retry schedule is resumed after a restart, not restarted", async () => {
    const hooks = await startReceiver((_hook, index) =>
      index <= 2 ? { status: 503 } : { status: 200, body: { done: true } },
    );
    cleanups.defer(() => hooks.close());
    const dir = cleanups.tempDir();
    let server = await start(dir);
    await call(subUrl(server, "retry"), "PUT", {
      type: "webhook",
      pattern: "retry/*",
      webhook: { url: hooks.url },
      lease_ttl_ms: 600_000,
    });
    await createJsonStream(server, "retry/s", { n: 1 });
    const first = await hooks.nth(1);
    const second = await hooks.nth(2);
    const state = async () => (await call(subUrl(server, "retry"), "GET")).body;
    let scheduled = await state();
    await until(async () => {
      scheduled = await state();
      // The schedule set by the second failure (the first one's is before it).
      return (
        scheduled.next_attempt_at !== null && Date.parse(scheduled.next_attempt_at) > second.at
      );
    });
    expect(scheduled.status).toBe("failed");
    // An acknowledged write behind it in the commit order: the schedule is on disk.
    await createJsonStream(server, "barrier");
    await appendJson(server, "barrier", { after: "schedule" });
    await kill(server);

    server = await start(dir);
    const third = await hooks.nth(3);
    expect(third.body.wake_id).toBe(first.body.wake_id);
    expect(third.body.generation).toBe(first.body.generation);
    expect(third.at).toBeGreaterThanOrEqual(Date.parse(scheduled.next_attempt_at) - 5);
    await until(async () => (await state()).status === "active");
    const healed = await state();
    expect(healed.streams[0].acked_offset).toBe(third.body.streams[0]!.tail_offset);
    expect(hooks.received).toHaveLength(3);
  });

  test("no stream survives a kill -9 without its glob link: both are in the create's commit", async () => {
    const dir = cleanups.tempDir();
    let server = await start(dir);
    await createJsonStream(server, "crash-wake");
    await call(subUrl(server, "crash"), "PUT", {
      type: "pull-wake",
      pattern: "crash/**",
      wake_stream: "crash-wake",
    });
    const attempted: string[] = [];
    let killed = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !killed; i++) {
        const path = `crash/w${w}/s${i}`;
        attempted.push(path);
        try {
          await fetch(`${server.url}/v1/stream/${path}`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ w, i }),
          });
        } catch {
          return;
        }
      }
    });
    // Let the creates run well into it, then kill without warning.
    await until(async () => attempted.length > 200);
    killed = true;
    await kill(server);
    await Promise.all(writers);

    server = await start(dir);
    const linked = new Set(
      (await call(subUrl(server, "crash"), "GET")).body.streams.map(
        (s: { path: string }) => s.path,
      ),
    );
    let survivors = 0;
    for (const path of attempted) {
      const head = await fetch(`${server.url}/v1/stream/${path}`, { method: "HEAD" });
      if (head.status !== 200) continue;
      survivors++;
      expect(linked.has(path)).toBe(true);
    }
    expect(survivors).toBeGreaterThan(100);
    expect(linked.size).toBe(survivors);
  });
});
