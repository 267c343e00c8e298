/**
 * A disk that fails writes with EIO for a while (lazyfs.py's `fail on`):
 * the refused appends answer 503 STORAGE_UNAVAILABLE and change nothing,
 * reads keep serving, and once the disk takes writes again the same server
 * does too, with no restart.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readAll, startTestServer, streamUrl, testCleanups } from "../helpers.js";
import { fuseUnavailable, LazyMount } from "./lazy-mount.js";
import { missingPrerequisite } from "./prerequisite.js";

const text = { "content-type": "text/plain" };

describe("a disk that fails writes", () => {
  const cleanups = testCleanups();

  test("503 while the disk fails, reads served, writes resume by themselves", async (ctx) => {
    const unavailable = fuseUnavailable();
    if (unavailable) missingPrerequisite(ctx, unavailable);
    const root = cleanups.tempDir();
    const [backing, mountpoint, trash] = ["disk", "mnt", "trash"].map((name) => join(root, name));
    for (const dir of [backing!, mountpoint!, trash!]) mkdirSync(dir);
    let mount: LazyMount;
    try {
      mount = await LazyMount.mount(backing!, mountpoint!, trash!);
    } catch (error) {
      return missingPrerequisite(ctx, `FUSE cannot mount here: ${(error as Error).message}`);
    }
    cleanups.defer(() => mount.unmount());
    const server = await startTestServer({ dataDir: join(mountpoint!, "data") });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "eio");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const block = (name: string) => `${name}${"e".repeat(64 * 1024)};`;
    expect((await fetch(url, { method: "POST", headers: text, body: block("a") })).status).toBe(
      204,
    );

    await mount.failWrites(true);
    const refused = await fetch(url, { method: "POST", headers: text, body: block("b") });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("STORAGE_UNAVAILABLE");
    expect(new TextDecoder().decode((await readAll(url)).body)).toBe(block("a"));

    await mount.failWrites(false);
    expect((await fetch(url, { method: "POST", headers: text, body: block("c") })).status).toBe(
      204,
    );
    expect(new TextDecoder().decode((await readAll(url)).body)).toBe(block("a") + block("c"));
  });
});
