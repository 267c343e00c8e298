/**
 * Subscriptions on Cloudflare keep their state in the coordinator object's
 * SQLite: a webhook retry that was due while workerd was down is delivered
 * by the coordinator's alarm after a restart (no in-process timer survives),
 * signed with the key the JWKS published before, and a stream whose object
 * was evicted reports its next append again.
 */

import { createPublicKey, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(persistTo: string): Promise<LocalWorker> {
  const worker = await startLocalWorker({
    port: 0,
    persistTo,
    vars: { STREAMS_ALLOW_LOCALHOST_WEBHOOKS: "1" },
  });
  cleanups.push(() => worker.close());
  return worker;
}

interface Delivery {
  readonly raw: Buffer;
  readonly signature: string;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the notification's fields
  readonly body: any;
}

/** A webhook receiver on 127.0.0.1 answering `reply()`'s status and body. */
async function receiver(reply: () => { status: number; body: string }) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const raw = Buffer.concat(parts);
      deliveries.push({
        raw,
        signature: String(req.headers["webhook-signature"]),
        body: JSON.parse(raw.toString("utf8")),
      });
      const { status, body } = reply();
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries };
}

/** Checks `t=…,kid=…,ed25519=…` over `<t>.<raw body>` with the key `kid` of `jwks`. */
function signedBy(delivery: Delivery, jwks: { keys: Array<Record<string, string>> }): boolean {
  const fields = Object.fromEntries(
    delivery.signature.split(",").map((part) => part.split("=", 2) as [string, string]),
  );
  const jwk = jwks.keys.find((key) => key.kid === fields.kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x! }, format: "jwk" });
  const signed = Buffer.concat([Buffer.from(`${fields.t}.`), delivery.raw]);
  return verify(null, signed, key, Buffer.from(fields.ed25519!, "base64url"));
}

describe("Cloudflare subscriptions across a restart of the coordinator", () => {
  it("delivers a webhook retry after a restart from persisted state", async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    let accept = false;
    const hook = await receiver(() =>
      accept ? { status: 200, body: '{"done":true}' } : { status: 503, body: "{}" },
    );
    const first = await start(temp.dir);
    const root = `${first.url}/v1/stream`;
    const put = await fetch(`${root}/__ds/subscriptions/restarts`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "webhook", pattern: "jobs/*", webhook: { url: hook.url } }),
    });
    expect(put.status).toBe(201);
    const jwks = await (await fetch(`${root}/__ds/jwks.json`)).json();
    const created = await fetch(`${root}/jobs/a`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ job: 1 }),
    });
    expect(created.status).toBe(201);
    const tail = created.headers.get("stream-next-offset");
    // The first attempt is refused: a retry is scheduled about 1 s later.
    await eventually(async () => hook.deliveries.length >= 1, 10_000);
    await first.close();
    const refused = hook.deliveries.length;

    accept = true;
    const second = await start(temp.dir);
    const again = `${second.url}/v1/stream`;
    // Nothing is asked of the Worker: only the coordinator's alarm can deliver it.
    await eventually(async () => hook.deliveries.length > refused, 15_000);
    const retried = hook.deliveries[hook.deliveries.length - 1]!;
    expect(retried.body.subscription_id).toBe("restarts");
    expect(retried.body.streams).toContainEqual(
      expect.objectContaining({ path: "jobs/a", tail_offset: tail, has_pending: true }),
    );
    expect(signedBy(retried, jwks)).toBe(true);
    // `{"done":true}` acked the snapshot: the cursor is at the tail.
    await eventually(async () => {
      const sub = await (await fetch(`${again}/__ds/subscriptions/restarts`)).json();
      return sub.streams.some(
        (s: { path: string; acked_offset: string }) =>
          s.path === "jobs/a" && s.acked_offset === tail,
      );
    }, 10_000);

    // The stream's object is new too: its next append reaches the coordinator.
    const before = hook.deliveries.length;
    const append = await fetch(`${again}/jobs/a`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ job: 2 }),
    });
    expect(append.status).toBe(204);
    await eventually(async () => hook.deliveries.length > before, 10_000);
    const next = hook.deliveries[hook.deliveries.length - 1]!;
    expect(next.body.streams).toContainEqual(
      expect.objectContaining({
        path: "jobs/a",
        acked_offset: tail,
        tail_offset: append.headers.get("stream-next-offset"),
      }),
    );
    expect(signedBy(next, jwks)).toBe(true);
  }, 60_000);
});
