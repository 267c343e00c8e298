/**
 * Shared by the Yjs document tests: a reader that assembles a document as a
 * new client does (discovery, snapshot, tail), writers of numbered tokens,
 * and waits.
 */

import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { expect } from "vitest";
import * as Y from "yjs";
import { eventually } from "./eventually.js";

export const OCTETS = { "content-type": "application/octet-stream" };

/** Polls `condition` every 20 ms until it holds, for at most `timeoutMs`. */
export function until(condition: () => boolean, label: string, timeoutMs = 15_000): Promise<void> {
  return eventually(condition, timeoutMs, 20, label);
}

export function frame(update: Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint8Array(encoder, update);
  return new Uint8Array(encoding.toUint8Array(encoder));
}

/** A document's state as a new reader assembles it: discovery, snapshot, then the updates after it. */
export async function readDocument(
  base: string,
  docId: string,
  headers: Record<string, string> = {},
): Promise<{ doc: Y.Doc; snapshotBytes: number; tailBytes: number }> {
  const doc = new Y.Doc();
  const discovery = await fetch(`${base}/docs/${docId}?offset=snapshot`, {
    redirect: "manual",
    headers,
  });
  expect(discovery.status).toBe(307);
  let offset = new URL(discovery.headers.get("location")!, base).searchParams.get("offset")!;
  let snapshotBytes = 0;
  if (offset.endsWith("_snapshot")) {
    const snapshot = await fetch(`${base}/docs/${docId}?offset=${offset}`, { headers });
    expect(
      snapshot.status,
      `${offset}: ${snapshot.status === 200 ? "" : await snapshot.text()}`,
    ).toBe(200);
    const bytes = new Uint8Array(await snapshot.arrayBuffer());
    snapshotBytes = bytes.length;
    Y.applyUpdate(doc, bytes);
    offset = snapshot.headers.get("stream-next-offset")!;
  }
  let tailBytes = 0;
  for (;;) {
    const read = await fetch(`${base}/docs/${docId}?offset=${offset}`, { headers });
    expect(read.status).toBe(200);
    const bytes = new Uint8Array(await read.arrayBuffer());
    tailBytes += bytes.length;
    const decoder = decoding.createDecoder(bytes);
    while (decoding.hasContent(decoder)) Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
    offset = read.headers.get("stream-next-offset")!;
    if (read.headers.get("stream-up-to-date") === "true") break;
  }
  return { doc, snapshotBytes, tailBytes };
}

/**
 * Writes `count` updates, each pushing its own token to the array `items`,
 * one POST each, `parallel` at a time; returns the tokens acknowledged (also
 * pushed to `acked` as they are).
 */
export async function writeTokens(
  base: string,
  docId: string,
  prefix: string,
  count: number,
  parallel: number,
  headers: Record<string, string> = {},
  acked: string[] = [],
): Promise<string[]> {
  const writer = new Y.Doc();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const token = `${prefix}-${next++}`;
      let update: Uint8Array | undefined;
      const capture = (u: Uint8Array) => {
        update = u;
      };
      writer.on("update", capture);
      writer.getArray<string>("items").push([`${token}:${"x".repeat(64)}`]);
      writer.off("update", capture);
      const res = await fetch(`${base}/docs/${docId}`, {
        method: "POST",
        headers: { ...OCTETS, ...headers },
        body: frame(update!),
      }).catch(() => null);
      if (res?.status === 204) acked.push(token);
      else if (res === null) return;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return acked;
}

export function tokensOf(doc: Y.Doc): Set<string> {
  return new Set(
    doc
      .getArray<string>("items")
      .toArray()
      .map((item) => item.split(":")[0]!),
  );
}

export async function waitForSnapshot(
  base: string,
  docId: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/docs/${docId}?offset=snapshot`, {
      redirect: "manual",
      headers,
    });
    const offset = new URL(res.headers.get("location")!, base).searchParams.get("offset")!;
    if (offset.endsWith("_snapshot")) return offset;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no snapshot");
}
