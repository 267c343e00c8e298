/**
 * Yjs: N providers typing into one document. durastream serves the Yjs
 * protocol itself (`/v1/yjs`); the official rows run the official Yjs server
 * (npm `@durable-streams/y-durable-streams`) in front of the official server.
 * Every provider is the official `YjsProvider`, in this process, so only the
 * server differs. Reports update-to-peer latency (a keystroke stamped with
 * the wall clock, seen by every other provider), and what is stored and what
 * a new reader reads, with and without compaction.
 */

import { YjsProvider } from "@durable-streams/y-durable-streams";
import * as Y from "yjs";
import { config } from "../bench-config.js";
import { LatencyHistogram } from "../latency-histogram.js";
import { numeric, type Scenario, type ServerRun } from "../scenario.js";
import type { ServerKind } from "../server-kind.js";

const SERVERS: readonly ServerKind[] = ["durastream", "official-memory"];
/** "Without compaction": a threshold no run reaches. */
const NO_COMPACTION_BYTES = 1024 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Bytes stored in a stream (tail minus earliest retained offset), or 0 when it does not exist. */
async function streamBytes(origin: string, path: string): Promise<number> {
  const res = await fetch(`${origin}/v1/stream/${path}`, { method: "HEAD" });
  if (res.status !== 200) return 0;
  // Stored: from the earliest retained offset (durastream trims updates a snapshot holds).
  const tail = Number(res.headers.get("stream-next-offset")?.split("_")[1] ?? 0);
  const earliest = Number(res.headers.get("stream-earliest-offset")?.split("_")[1] ?? 0);
  return tail - earliest;
}

/** What a new reader downloads: the snapshot (if any) and the updates after it. */
async function readerBytes(base: string, docId: string): Promise<number> {
  const discovery = await fetch(`${base}/docs/${docId}?offset=snapshot`, { redirect: "manual" });
  let offset = new URL(discovery.headers.get("location")!, base).searchParams.get("offset")!;
  let bytes = 0;
  if (offset.endsWith("_snapshot")) {
    const snapshot = await fetch(`${base}/docs/${docId}?offset=${offset}`);
    bytes += (await snapshot.arrayBuffer()).byteLength;
    offset = snapshot.headers.get("stream-next-offset")!;
  }
  for (;;) {
    const read = await fetch(`${base}/docs/${docId}?offset=${offset}`);
    bytes += (await read.arrayBuffer()).byteLength;
    offset = read.headers.get("stream-next-offset")!;
    if (read.headers.get("stream-up-to-date") === "true") return bytes;
  }
}

function typingScenario(id: string, title: string, threshold: number): Scenario {
  const { providers: count, keystrokesPerSecond, durationMs } = config.yjs;
  return {
    id,
    title,
    servers: SERVERS,
    timeoutMs: durationMs + 120_000,
    metrics: [
      { key: "p50", label: "update → peer p50 (ms)", decimals: 1, ratio: true },
      { key: "p99", label: "update → peer p99 (ms)", decimals: 1, ratio: true },
      { key: "stored", label: "stored KiB (updates + snapshots)", decimals: 0, ratio: true },
      { key: "reader", label: "new reader reads (KiB)", decimals: 0, ratio: true },
    ],
    async run(context): Promise<ServerRun> {
      const server = await context.startServer({ yjsCompactionThreshold: threshold });
      const origin = `http://127.0.0.1:${server.port}`;
      const base = `${origin}/v1/yjs/bench`;
      const docId = `typing-${Date.now()}`;
      const docs = Array.from({ length: count }, () => new Y.Doc());
      const providers = docs.map((doc) => new YjsProvider({ doc, baseUrl: base, docId }));
      const latency = new LatencyHistogram();
      const notes: string[] = [];
      try {
        if (!(await until(() => providers.every((p) => p.synced), 30_000))) {
          throw new Error("providers did not sync");
        }
        // Each keystroke: a character in the shared text, and its send time in a map.
        for (const [i, doc] of docs.entries()) {
          doc.getMap<number>("sent").observe((event) => {
            if (event.transaction.local) return;
            const now = Date.now();
            for (const key of event.keysChanged) {
              if (key.startsWith(`${i}:`)) continue;
              latency.record(now - doc.getMap<number>("sent").get(key)!);
            }
          });
        }
        const typed = { count: 0 };
        const interval = 1000 / keystrokesPerSecond;
        const stopAt = Date.now() + durationMs;
        await Promise.all(
          docs.map(async (doc, i) => {
            let n = 0;
            await sleep(Math.random() * interval);
            while (Date.now() < stopAt) {
              doc.transact(() => {
                const text = doc.getText("body");
                text.insert(Math.floor(Math.random() * (text.length + 1)), "x");
                doc.getMap<number>("sent").set(`${i}:${n++}`, Date.now());
              });
              typed.count++;
              await sleep(interval);
            }
          }),
        );
        const expected = typed.count;
        const converged = await until(
          () => docs.every((doc) => doc.getText("body").length === expected),
          config.deliveryGraceMs + 10_000,
        );
        if (!converged) notes.push("providers had not converged when measured");
        await sleep(3_000); // a compaction triggered by the last updates, and its snapshot grace
        const prefix = `yjs/bench/docs/${docId}`;
        const updates = await streamBytes(origin, `${prefix}/.updates`);
        const reader = await readerBytes(base, docId);
        const discovery = await fetch(`${base}/docs/${docId}?offset=snapshot`, {
          redirect: "manual",
        });
        const snapshotKey = new URL(discovery.headers.get("location")!, base).searchParams.get(
          "offset",
        )!;
        const snapshot = snapshotKey.endsWith("_snapshot")
          ? await streamBytes(origin, `${prefix}/.snapshots/${snapshotKey}`)
          : 0;
        const summary = latency.summary();
        return {
          values: {
            p50: summary.p50Ms,
            p99: summary.p99Ms,
            stored: (updates + snapshot) / 1024,
            reader: reader / 1024,
          },
          details: {
            providers: count,
            keystrokes: expected,
            deliveries: summary.count,
            updatesBytes: updates,
            snapshotBytes: snapshot,
            readerBytes: reader,
            compactionThreshold: threshold,
          },
          notes,
        };
      } finally {
        for (const provider of providers) provider.destroy();
      }
    },
    targets: (values) => {
      const ours = numeric(values.durastream?.p99);
      const theirs = numeric(values["official-memory"]?.p99);
      return {
        p99: {
          text: "update → peer p99 no worse than the official Yjs server's",
          met: ours === undefined || theirs === undefined ? undefined : ours <= theirs * 1.1,
        },
      };
    },
  };
}

export const yjsTyping = typingScenario(
  "yjs-typing",
  `Yjs: ${config.yjs.providers} providers typing into one document, compaction at ${config.yjs.compactionBytes} B`,
  config.yjs.compactionBytes,
);

export const yjsTypingNoCompaction = typingScenario(
  "yjs-typing-no-compaction",
  `Yjs: ${config.yjs.providers} providers typing into one document, no compaction`,
  NO_COMPACTION_BYTES,
);
