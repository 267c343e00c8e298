/**
 * Yjs documents on durastream's own `/v1/yjs` routes, beyond the official
 * suite: several official providers converging, offline edits merging (with
 * durastream's provider: the official one drops them), reloads from a snapshot,
 * updates written during compactions, restarts, `kill -9` in the middle of
 * compactions, and scoped tokens on a document's path.
 */

import { YjsProvider } from "@durable-streams/y-durable-streams";
import { signStreamToken } from "@durastream/server-core";
import { YjsProvider as DurastreamProvider } from "@durastream/yjs";
import { describe, expect, test } from "vitest";
import * as Y from "yjs";
import { seededRandom } from "../../../test-support/seeded-random.js";
import {
  frame,
  OCTETS,
  readDocument,
  tokensOf,
  until,
  waitForSnapshot,
  writeTokens,
} from "../../../test-support/yjs-documents.js";
import { spawnServer, startTestServer, testCleanups } from "./helpers.js";

describe("Yjs documents on durastream", () => {
  const cleanups = testCleanups();

  async function server(threshold = 4096) {
    const dir = cleanups.tempDir();
    const running = await startTestServer({ dataDir: dir, yjsCompactionThreshold: threshold });
    cleanups.defer(() => running.close());
    return { running, dir, base: `${running.url}/v1/yjs/test` };
  }

  function provider(base: string, docId: string, doc = new Y.Doc()): YjsProvider {
    const made = new YjsProvider({ doc, baseUrl: base, docId });
    cleanups.defer(() => made.destroy());
    return made;
  }

  test("five providers typing into one document converge (official provider)", async () => {
    const { base } = await server();
    await fetch(`${base}/docs/five`, { method: "PUT" });
    const docs = Array.from({ length: 5 }, () => new Y.Doc());
    const providers = docs.map((doc) => provider(base, "five", doc));
    await until(() => providers.every((p) => p.synced), "providers to sync");
    const random = seededRandom(30);
    for (let round = 0; round < 20; round++) {
      for (const [i, doc] of docs.entries()) {
        const text = doc.getText("content");
        text.insert(Math.floor(random() * (text.length + 1)), `${i}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await until(
      () => docs.every((doc) => doc.getText("content").length === 100),
      "every provider to see all 100 characters",
    );
    const texts = new Set(docs.map((doc) => doc.getText("content").toString()));
    expect(texts.size).toBe(1);
  });

  test("edits made while disconnected merge on reconnect (durastream provider)", async () => {
    const { base } = await server();
    const [a, b] = [new Y.Doc(), new Y.Doc()];
    const pa = new DurastreamProvider({ doc: a, baseUrl: base, docId: "offline" });
    const pb = new DurastreamProvider({ doc: b, baseUrl: base, docId: "offline" });
    cleanups.defer(() => {
      pa.destroy();
      pb.destroy();
    });
    await until(() => pa.synced && pb.synced, "sync");
    await pb.disconnect();
    a.getText("t").insert(0, "online ");
    b.getText("t").insert(0, "offline ");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.getText("t").toString()).toBe("offline ");
    await pb.connect();
    await until(
      () => a.getText("t").toString() === b.getText("t").toString() && a.getText("t").length === 15,
      "both edits on both sides",
    );
  });

  test("a reload resumes from the snapshot plus the tail; the snapshot bounds what it reads", async () => {
    const { base } = await server(2048);
    await fetch(`${base}/docs/reload`, { method: "PUT" });
    const doc = new Y.Doc();
    const first = provider(base, "reload", doc);
    await until(() => first.synced, "sync");
    const text = doc.getText("t");
    // A long session: the same 200 characters retyped 40 times (deleted, then typed again).
    for (let i = 0; i < 40; i++) {
      if (text.length > 0) text.delete(0, text.length);
      text.insert(0, `${i}:${"y".repeat(200)}`);
      await until(() => first.synced, "write");
    }
    await waitForSnapshot(base, "reload");
    text.insert(text.length, " tail");
    await first.flush();
    first.destroy();
    const read = await readDocument(base, "reload");
    expect(read.doc.getText("t").toString()).toBe(text.toString());
    const reloaded = new Y.Doc();
    const again = provider(base, "reload", reloaded);
    await until(
      () => again.synced && reloaded.getText("t").toString() === text.toString(),
      "reload",
    );
    // 40 × ~200 bytes were written; a new reader reads a snapshot and a short tail.
    const updates = await fetch(`${base}/docs/reload?offset=-1`);
    const written = (await updates.arrayBuffer()).byteLength;
    expect(read.snapshotBytes + read.tailBytes).toBeLessThan(written / 2);
  });

  test("no update written while compactions run is lost", async () => {
    const { base } = await server(1024);
    await fetch(`${base}/docs/busy`, { method: "PUT" });
    const acked = await writeTokens(base, "busy", "w", 300, 8);
    expect(acked.length).toBe(300);
    await waitForSnapshot(base, "busy");
    const { doc, snapshotBytes } = await readDocument(base, "busy");
    expect(snapshotBytes).toBeGreaterThan(0);
    expect(tokensOf(doc)).toEqual(new Set(acked));
  });

  test("a restart loses no acknowledged update", async () => {
    const { running, dir, base } = await server(1024);
    await fetch(`${base}/docs/restart`, { method: "PUT" });
    const acked = await writeTokens(base, "restart", "r", 60, 4);
    await running.close();
    const again = await startTestServer({ dataDir: dir, yjsCompactionThreshold: 1024 });
    cleanups.defer(() => again.close());
    const { doc } = await readDocument(`${again.url}/v1/yjs/test`, "restart");
    expect(tokensOf(doc)).toEqual(new Set(acked));
  });

  // The reads after the restart's writes race a compaction: readDocument does
  // not retry discovery, so a replaced snapshot deleted between the redirect
  // and the read (as before the snapshot grace) fails it.
  test("kill -9 in the middle of compactions loses no acknowledged update", async () => {
    const dir = cleanups.tempDir();
    const args = ["--data-dir", dir, "--yjs-compaction-threshold", "512"];
    const child = await spawnServer(args);
    cleanups.defer(() => {
      child.process.kill("SIGKILL");
    });
    const base = `${child.url}/v1/yjs/test`;
    await fetch(`${base}/docs/crash`, { method: "PUT" });
    // Compactions start every few updates; the kill lands while writes and compactions run.
    const progress: string[] = [];
    const writing = writeTokens(base, "crash", "k", 100_000, 6, {}, progress);
    await until(() => progress.length >= 80, "80 acknowledged updates", 30_000);
    child.process.kill("SIGKILL");
    await child.exited;
    const acked = await writing;
    const again = await spawnServer(args);
    cleanups.defer(() => {
      again.process.kill("SIGKILL");
    });
    const read = await readDocument(`${again.url}/v1/yjs/test`, "crash");
    const tokens = tokensOf(read.doc);
    for (const token of acked) expect(tokens.has(token), token).toBe(true);
    // And the document goes on: more writes compact again.
    const more = await writeTokens(`${again.url}/v1/yjs/test`, "crash", "after", 40, 2);
    const after = await readDocument(`${again.url}/v1/yjs/test`, "crash");
    for (const token of [...acked, ...more]) expect(tokensOf(after.doc).has(token)).toBe(true);
  });

  test("browsers reach documents across origins: preflights answered, CORS headers on every answer", async () => {
    const { base } = await server();
    const origin = { origin: "http://app.example" };
    const preflight = await fetch(`${base}/docs/cors`, {
      method: "OPTIONS",
      headers: {
        ...origin,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
    const created = await fetch(`${base}/docs/cors`, { method: "PUT", headers: origin });
    expect(created.headers.get("access-control-allow-origin")).toBe("http://app.example");
    // Answers the Yjs routes make themselves (not the engine) carry them too.
    const discovery = await fetch(`${base}/docs/cors?offset=snapshot`, {
      redirect: "manual",
      headers: origin,
    });
    expect(discovery.status).toBe(307);
    expect(discovery.headers.get("access-control-allow-origin")).toBe("http://app.example");
    const missing = await fetch(`${base}/docs/nothing-here?offset=snapshot`, { headers: origin });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("http://app.example");
  });

  test("scoped tokens: read scope reads a document, append scope writes it, other paths are refused", async () => {
    const secret = "yjs-secret";
    const dir = cleanups.tempDir();
    const running = await startTestServer({ dataDir: dir, secret, yjsCompactionThreshold: 1024 });
    cleanups.defer(() => running.close());
    const base = `${running.url}/v1/yjs/test`;
    const admin = { authorization: `Bearer ${secret}` };
    expect((await fetch(`${base}/docs/private`, { method: "PUT", headers: admin })).status).toBe(
      201,
    );
    const token = async (paths: string[], ops: Array<"read" | "append">) => ({
      authorization: `Bearer ${await signStreamToken(secret, { paths, ops, ttlSeconds: 60 })}`,
    });
    const reader = await token(["yjs/test/docs/private/**"], ["read"]);
    const writer = await token(["yjs/test/docs/private/**"], ["read", "append"]);
    const stranger = await token(["yjs/test/docs/other/**"], ["read", "append"]);

    const written = await writeTokens(base, "private", "s", 30, 2, writer);
    expect(written.length).toBe(30);
    const refused = await fetch(`${base}/docs/private`, {
      method: "POST",
      headers: { ...OCTETS, ...reader },
      body: frame(new Uint8Array([0, 0])),
    });
    expect(refused.status).toBe(403);
    // Compaction runs with the server's own credentials, whatever the writer's scope.
    await waitForSnapshot(base, "private", reader);
    const { doc, snapshotBytes } = await readDocument(base, "private", reader);
    expect(snapshotBytes).toBeGreaterThan(0);
    expect(tokensOf(doc)).toEqual(new Set(written));
    const discovery = await fetch(`${base}/docs/private?offset=snapshot`, {
      redirect: "manual",
      headers: stranger,
    });
    expect(discovery.status).toBe(403);
    expect(((await discovery.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    const anonymous = await fetch(`${base}/docs/private?offset=-1`);
    expect(anonymous.status).toBe(401);
  });
});
