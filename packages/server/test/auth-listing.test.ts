/** Scoped tokens on the reserved routes: the listing shows only streams the token may read. */

import { signStreamToken } from "@durastream/server-core";
import { describe, expect, test } from "vitest";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const SECRET = "listing-secret";

describe("listing under scoped tokens", () => {
  const cleanups = testCleanups();

  test("only readable streams are listed; no credential is 401; the registry is never listed", async () => {
    const server = await startTestServer({ memory: true, secret: SECRET, registry: true });
    cleanups.defer(() => server.close());
    const admin = { authorization: `Bearer ${SECRET}` };
    for (const path of ["chat/1", "chat/2", "private/1", "public/x"]) {
      expect((await fetch(streamUrl(server, path), { method: "PUT", headers: admin })).status).toBe(
        201,
      );
    }
    const list = async (headers: Record<string, string>, query = "") => {
      const res = await fetch(`${streamUrl(server, "__ds/streams")}${query}`, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const paths = (body: Record<string, unknown>) =>
      (body.streams as { path: string }[]).map((s) => s.path);

    expect(paths((await list(admin)).body)).toEqual(["chat/1", "chat/2", "private/1", "public/x"]);
    const reader = {
      authorization: `Bearer ${await signStreamToken(SECRET, {
        paths: ["chat/**", "public/*"],
        ops: ["read"],
        ttlSeconds: 60,
      })}`,
    };
    expect(paths((await list(reader)).body)).toEqual(["chat/1", "chat/2", "public/x"]);
    // Pages stay consistent: a page of 1 at a time walks only the readable streams.
    const first = await list(reader, "?limit=2");
    expect(paths(first.body)).toEqual(["chat/1", "chat/2"]);
    const rest = await list(reader, `?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(paths(rest.body)).toEqual(["public/x"]);

    const writer = {
      authorization: `Bearer ${await signStreamToken(SECRET, {
        paths: ["**"],
        ops: ["append", "create"],
        ttlSeconds: 60,
      })}`,
    };
    expect(paths((await list(writer)).body)).toEqual([]);
    const anonymous = await list({});
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toContain("chat");
  });
});

describe("subscriptions under scoped tokens", () => {
  const cleanups = testCleanups();

  test("control routes need admin on the subscription's path; wake-token routes keep their own auth", async () => {
    const server = await startTestServer({ dataDir: cleanups.tempDir(), secret: SECRET });
    cleanups.defer(() => server.close());
    const admin = { authorization: `Bearer ${SECRET}` };
    const json = { "content-type": "application/json" };
    await fetch(streamUrl(server, "jobs-wake"), {
      method: "PUT",
      headers: { ...admin, ...json },
    });
    const subscription = streamUrl(server, "__ds/subscriptions/jobs");
    const config = JSON.stringify({
      type: "pull-wake",
      pattern: "jobs/*",
      wake_stream: "jobs-wake",
    });
    const token = async (paths: string[], ops: ("read" | "admin")[]) => ({
      authorization: `Bearer ${await signStreamToken(SECRET, { paths, ops, ttlSeconds: 60 })}`,
    });

    const reader = await token(["**"], ["read"]);
    const refused = await fetch(subscription, {
      method: "PUT",
      headers: { ...reader, ...json },
      body: config,
    });
    expect(refused.status).toBe(403);
    expect((await fetch(subscription, { method: "PUT", headers: json, body: config })).status).toBe(
      401,
    );
    expect((await fetch(subscription, { headers: admin })).status).toBe(404);

    const manager = await token(["__ds/subscriptions/jobs"], ["admin"]);
    const created = await fetch(subscription, {
      method: "PUT",
      headers: { ...manager, ...json },
      body: config,
    });
    expect(created.status).toBe(201);
    expect(
      (await fetch(`${streamUrl(server, "__ds/subscriptions/other")}`, { headers: manager }))
        .status,
    ).toBe(403);

    await fetch(streamUrl(server, "jobs/1"), { method: "PUT", headers: { ...admin, ...json } });
    await fetch(streamUrl(server, "jobs/1"), {
      method: "POST",
      headers: { ...admin, ...json },
      body: JSON.stringify({ n: 1 }),
    });
    const claimed = await fetch(`${subscription}/claim`, {
      method: "POST",
      headers: { ...manager, ...json },
      body: JSON.stringify({ worker: "w1" }),
    });
    expect(claimed.status).toBe(200);
    const wake = (await claimed.json()) as { wake_id: string; generation: number; token: string };
    // The claim token authorizes the ack, not a server credential.
    const acked = await fetch(`${subscription}/ack`, {
      method: "POST",
      headers: { authorization: `Bearer ${wake.token}`, ...json },
      body: JSON.stringify({ wake_id: wake.wake_id, generation: wake.generation, done: true }),
    });
    expect(acked.status).toBeLessThan(300);
  });
});
