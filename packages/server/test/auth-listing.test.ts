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
