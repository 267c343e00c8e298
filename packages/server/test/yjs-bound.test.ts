/**
 * What keeps a Yjs document's storage bounded and its readers safe: after a
 * long editing session the document's streams hold about two compaction
 * thresholds of updates plus its snapshot (not every update ever written),
 * a reader whose offset was trimmed is answered with the snapshot, a
 * replaced snapshot stays readable for a grace, and discovery never sends a
 * reader to a snapshot that is gone.
 */

import { DurableStream } from "@durable-streams/client";
import { YjsProvider } from "@durable-streams/y-durable-streams";
import { YjsProvider as DurastreamProvider } from "@durastream/yjs";
import * as decoding from "lib0/decoding";
import { describe, expect, test } from "vitest";
import * as Y from "yjs";
import { eventually } from "../../../test-support/eventually.js";
import { seededRandom } from "../../../test-support/seeded-random.js";
import {
  readDocument,
  tokensOf,
  until,
  waitForSnapshot,
  writeTokens,
} from "../../../test-support/yjs-documents.js";
import { startTestServer, testCleanups } from "./helpers.js";

const THRESHOLD = 4096;

/** Stored bytes of each stream of a document (tail minus earliest retained offset). */
async function storedBytes(root: string, docId: string): Promise<Map<string, number>> {
  const listing = await fetch(
    `${root}/v1/stream/__ds/streams?prefix=${encodeURIComponent(`yjs/test/docs/${docId}/`)}&limit=1000`,
  );
  expect(listing.status).toBe(200);
  const { streams } = (await listing.json()) as { streams: Array<{ path: string }> };
  const sizes = new Map<string, number>();
  for (const { path } of streams) {
    const head = await fetch(`${root}/v1/stream/${path}`, { method: "HEAD" });
    if (head.status !== 200) continue;
    const tail = position(head.headers.get("stream-next-offset")!);
    const earliest = position(head.headers.get("stream-earliest-offset") ?? "0_0");
    sizes.set(path.slice(`yjs/test/docs/${docId}/`.length), tail - earliest);
  }
  return sizes;
}

function position(offset: string): number {
  return Number(offset.split("_")[1]);
}

function total(sizes: Map<string, number>): number {
  return [...sizes.values()].reduce((sum, size) => sum + size, 0);
}

function applyFrames(doc: Y.Doc, bytes: Uint8Array): void {
  const decoder = decoding.createDecoder(bytes);
  while (decoding.hasContent(decoder)) Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
}

/** A reader that kept an old offset: catch-up reads from it until up to date. */
async function resumeFrom(base: string, docId: string, offset: string, doc: Y.Doc) {
  let at = offset;
  const statuses: number[] = [];
  for (;;) {
    const read = await fetch(`${base}/docs/${docId}?offset=${at}`);
    statuses.push(read.status);
    expect(read.status).toBe(200);
    applyFrames(doc, new Uint8Array(await read.arrayBuffer()));
    at = read.headers.get("stream-next-offset")!;
    if (read.headers.get("stream-up-to-date") === "true") return statuses;
  }
}

describe("Yjs document storage stays bounded", () => {
  const cleanups = testCleanups();

  async function server(options: { threshold?: number } = {}) {
    const dir = cleanups.tempDir();
    const running = await startTestServer({
      dataDir: dir,
      yjsCompactionThreshold: options.threshold ?? THRESHOLD,
      // Index retention runs on the sweep tick.
      sweepIntervalMs: 200,
    });
    cleanups.defer(() => running.close());
    return { running, dir, root: running.url, base: `${running.url}/v1/yjs/test` };
  }

  test("a long editing session keeps about two thresholds of updates plus the snapshot; stale readers resume", async () => {
    const { root, base } = await server();
    const docId = "long";
    await fetch(`${base}/docs/${docId}`, { method: "PUT" });
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const official = docs.slice(0, 2).map((doc) => new YjsProvider({ doc, baseUrl: base, docId }));
    const ours = new DurastreamProvider({ doc: docs[2]!, baseUrl: base, docId });
    cleanups.defer(() => {
      for (const provider of official) provider.destroy();
      ours.destroy();
    });
    await until(() => official.every((p) => p.synced) && ours.synced, "providers to sync");

    docs[0]!.getText("t").insert(0, "start ");
    await until(() => docs.every((doc) => doc.getText("t").length === 6), "first edit everywhere");
    // A stale reader: it read the document once, at the start, and keeps that offset.
    const early = await fetch(`${base}/docs/${docId}?offset=-1`);
    const staleOffset = early.headers.get("stream-next-offset")!;
    const staleDoc = new Y.Doc();
    applyFrames(staleDoc, new Uint8Array(await early.arrayBuffer()));
    const staleClientDoc = new Y.Doc();
    Y.applyUpdate(staleClientDoc, Y.encodeStateAsUpdate(staleDoc));

    // 3 editors × 1,200 edits: mostly typing at the end, sometimes elsewhere,
    // and deleting from the front past 300 characters.
    const random = seededRandom(3030);
    for (let round = 0; round < 1200; round++) {
      for (const [i, doc] of docs.entries()) {
        const text = doc.getText("t");
        if (text.length > 300) text.delete(0, 20);
        const at = random() < 0.9 ? text.length : Math.floor(random() * (text.length + 1));
        text.insert(at, `${i}`);
      }
      if (round % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Converged: the same state everywhere, nothing waiting for a missing dependency.
    const stateOf = (doc: Y.Doc) =>
      JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(doc))].sort());
    await until(
      () =>
        docs.every(
          (doc) => doc.store.pendingStructs === null && stateOf(doc) === stateOf(docs[0]!),
        ),
      "every provider to converge",
      30_000,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}: ${docs.map((d) => `${stateOf(d)} pending=${d.store.pendingStructs !== null}`).join(" | ")}`,
      );
    });
    await Promise.all(official.map((provider) => provider.flush()));
    await ours.flush();
    const expected = docs[0]!.getText("t").toString();

    const head = await fetch(`${root}/v1/stream/yjs/test/docs/${docId}/.updates`, {
      method: "HEAD",
    });
    const written = position(head.headers.get("stream-next-offset")!);
    // Once the grace has passed and retention ran, the bound holds.
    let sizes = new Map<string, number>();
    await eventually(
      async () => {
        sizes = await storedBytes(root, docId);
        const snapshots = [...sizes].filter(([path]) => path.startsWith(".snapshots/"));
        const snapshot = snapshots.reduce((max, [, size]) => Math.max(max, size), 0);
        return (
          snapshots.length === 1 &&
          (sizes.get(".updates") ?? 0) <= 3 * THRESHOLD &&
          (sizes.get(".index") ?? 0) <= 4096 + 512 &&
          total(sizes) <= 3 * THRESHOLD + snapshot + 4096 + 512
        );
      },
      15_000,
      200,
      "stored bytes under the bound",
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify([...sizes])}, written ${written}`);
    });
    console.log(
      `yjs bound: ${written} bytes of updates written; stored ${total(sizes)} bytes`,
      JSON.stringify(Object.fromEntries(sizes)),
    );
    expect(written).toBeGreaterThan(10 * THRESHOLD);

    // A new reader: snapshot plus tail.
    const fresh = await readDocument(base, docId);
    expect(fresh.doc.getText("t").toString()).toBe(expected);
    // The stale reader's offset was trimmed: it is answered with the snapshot, then the tail.
    const earliest = await fetch(`${root}/v1/stream/yjs/test/docs/${docId}/.updates`, {
      method: "HEAD",
    });
    expect(position(earliest.headers.get("stream-earliest-offset")!)).toBeGreaterThan(
      position(staleOffset),
    );
    await resumeFrom(base, docId, staleOffset, staleDoc);
    expect(staleDoc.getText("t").toString()).toBe(expected);
    // The official client reading live from that offset, as the official provider does, too.
    const viaClient = staleClientDoc;
    const controller = new AbortController();
    cleanups.defer(() => controller.abort());
    const response = await new DurableStream({
      url: `${base}/docs/${docId}`,
      contentType: "application/octet-stream",
    }).stream({ offset: staleOffset, live: "long-poll", signal: controller.signal });
    await new Promise<void>((resolve) => {
      response.subscribeBytes((chunk) => {
        applyFrames(viaClient, chunk.data);
        if (chunk.upToDate) resolve();
      });
    });
    controller.abort();
    expect(viaClient.getText("t").toString()).toBe(expected);
  }, 90_000);

  /** Discovery's answer: the snapshot key or `-1`. */
  async function discover(base: string, docId: string): Promise<string> {
    const res = await fetch(`${base}/docs/${docId}?offset=snapshot`, { redirect: "manual" });
    expect(res.status).toBe(307);
    return new URL(res.headers.get("location")!, base).searchParams.get("offset")!;
  }

  test("a snapshot discovery named stays readable for a grace after a compaction replaces it, then goes (unindexed ones too)", async () => {
    const { base, root } = await server({ threshold: 1024 });
    await fetch(`${base}/docs/grace`, { method: "PUT" });
    await writeTokens(base, "grace", "a", 20, 1);
    const first = await waitForSnapshot(base, "grace");
    // A snapshot the index never named, as a crash between a snapshot and its index entry leaves.
    const orphan = `${root}/v1/stream/yjs/test/docs/grace/.snapshots/0000000000000000_0000000000000001_snapshot`;
    const made = await fetch(orphan, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array([0, 0]),
    });
    expect(made.status).toBe(201);
    expect(await discover(base, "grace")).toBe(first);
    // More writes until a compaction replaces it.
    let batch = 0;
    await eventually(
      async () => {
        await writeTokens(base, "grace", `b${batch++}`, 5, 1);
        return (await discover(base, "grace")) !== first;
      },
      15_000,
      0,
      "a second snapshot",
    );
    // A reader discovery sent to the first one, a moment late: still there.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await fetch(`${base}/docs/grace?offset=${first}`);
    expect(late.status).toBe(200);
    expect((await late.arrayBuffer()).byteLength).toBeGreaterThan(0);
    // And gone once the grace (2 s) has passed: replaced snapshots do not pile up.
    await eventually(
      async () => {
        const gone = await fetch(`${base}/docs/grace?offset=${first}`);
        await gone.arrayBuffer();
        return gone.status === 404;
      },
      10_000,
      100,
      "the replaced snapshot to be deleted",
    );
    expect((await fetch(orphan, { method: "HEAD" })).status).toBe(404);
  });

  test("discovery never names a missing snapshot: the newest that exists, else the log from the start", async () => {
    const dir = cleanups.tempDir();
    const options = { dataDir: dir, yjsCompactionThreshold: 4096 };
    const first = await startTestServer(options);
    let base = `${first.url}/v1/yjs/test`;
    await fetch(`${base}/docs/lost`, { method: "PUT" });
    // One compaction (about 4 KiB of ~90-byte updates), nothing trimmed.
    const acked = await writeTokens(base, "lost", "t", 60, 1);
    const snapshot = await waitForSnapshot(base, "lost");
    const offset = snapshot.replace(/_snapshot$/, "");
    // The index names a newer snapshot that does not exist (as a crash between
    // a snapshot and its index entry would, had the snapshot not been durable).
    const tail = await fetch(`${first.url}/v1/stream/yjs/test/docs/lost/.updates`, {
      method: "HEAD",
    });
    const bogus = tail.headers.get("stream-next-offset")!;
    expect(bogus).not.toBe(offset);
    const appended = await fetch(`${first.url}/v1/stream/yjs/test/docs/lost/.index`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ snapshotOffset: bogus, createdAt: Date.now() }),
    });
    expect(appended.status).toBeLessThan(300);
    await first.close();
    // A restart reads the index afresh.
    const again = await startTestServer(options);
    cleanups.defer(() => again.close());
    base = `${again.url}/v1/yjs/test`;
    expect(await discover(base, "lost")).toBe(snapshot);
    expect(tokensOf((await readDocument(base, "lost")).doc)).toEqual(new Set(acked));
    // Without any snapshot left, readers start from the beginning of the log.
    const deleted = await fetch(
      `${again.url}/v1/stream/yjs/test/docs/lost/.snapshots/${snapshot}`,
      { method: "DELETE" },
    );
    expect(deleted.status).toBe(204);
    expect(await discover(base, "lost")).toBe("-1");
    expect(tokensOf((await readDocument(base, "lost")).doc)).toEqual(new Set(acked));
  });
});
