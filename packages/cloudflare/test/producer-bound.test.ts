/**
 * Producer state on Cloudflare is bounded as on Node (issue #28 item 3): a
 * stream's object holds at most `STREAMS_PRODUCER_CACHE_SIZE` producer states
 * in memory over its SQLite (an evicted producer still deduplicates), its
 * alarm deletes the state of a producer idle past `STREAMS_PRODUCER_TTL`
 * (the producer is then new), and an object written before producer expiry
 * (schema 3) migrates with its producers intact.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
const script = await bundleWorker({ entry: join(HERE, "workerd", "producer-worker.ts") });

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(vars: Record<string, string>, persistTo?: string): Promise<LocalWorker> {
  const worker = await startLocalWorker({
    port: 0,
    script,
    objectClass: "ProducerStatesObject",
    vars,
    ...(persistTo === undefined ? {} : { persistTo }),
  });
  cleanups.push(() => worker.close());
  return worker;
}

/** A producer row as the object stores it (`workerd/producer-worker.ts`). */
interface ProducerRow {
  readonly producerId: string;
  readonly lastSeq: number;
  readonly updatedAt: number | null;
}

/** The RPC methods of the test's `ProducerStatesObject` (workerd types stay out of this file). */
interface ProducerStatesStub {
  producerStates(): Promise<{ held: number; rows: ProducerRow[] }>;
  toSchema3(): Promise<void>;
}

/** The object of stream `path`, over RPC. */
async function streamObject(worker: LocalWorker, path: string): Promise<ProducerStatesStub> {
  const namespace = await worker.miniflare.getDurableObjectNamespace("STREAMS");
  return namespace.get(namespace.idFromName(path)) as unknown as ProducerStatesStub;
}

/** What the object of stream `path` holds: producer states in memory, and its producer rows. */
async function producerStates(
  worker: LocalWorker,
  path: string,
): Promise<{ held: number; rows: ProducerRow[] }> {
  return (await streamObject(worker, path)).producerStates();
}

/** Appends `body` as producer `id` (epoch 0) with sequence `seq`; the status. */
async function produce(url: string, id: string, seq: number, body: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "text/plain",
      "producer-id": id,
      "producer-epoch": "0",
      "producer-seq": String(seq),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function create(url: string): Promise<void> {
  const response = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
  expect(response.status).toBe(201);
}

async function contents(url: string): Promise<string> {
  return (await fetch(`${url}?offset=-1`)).text();
}

describe("Cloudflare: producer state is bounded", () => {
  it("holds at most STREAMS_PRODUCER_CACHE_SIZE producer states; an evicted producer still deduplicates", async () => {
    const worker = await start({ STREAMS_PRODUCER_CACHE_SIZE: "8" });
    const url = `${worker.url}/v1/stream/producers/many`;
    await create(url);
    let expected = "";
    for (let i = 0; i < 30; i++) {
      expect(await produce(url, `p${i}`, 0, `m${i};`)).toBe(200);
      expected += `m${i};`;
    }
    const after = await producerStates(worker, "producers/many");
    expect(after.held).toBeLessThanOrEqual(8);
    expect(after.rows).toHaveLength(30);

    // p0 was evicted long ago: its retry is still a duplicate, read from its row.
    expect(await produce(url, "p0", 0, "m0;")).toBe(204);
    expect(await contents(url)).toBe(expected);
    // And its next sequence number continues from the stored state.
    expect(await produce(url, "p0", 2, "gap")).toBe(409);
    expect(await produce(url, "p0", 1, "next;")).toBe(200);
    expect(await contents(url)).toBe(`${expected}next;`);
    expect((await producerStates(worker, "producers/many")).held).toBeLessThanOrEqual(8);
  }, 30_000);

  it("forgets a producer idle past STREAMS_PRODUCER_TTL: the alarm deletes its row, its retry is new", async () => {
    // The listing's report wakes the alarm first: the producer's sweep must survive that alarm.
    const worker = await start({ STREAMS_PRODUCER_TTL: "2", REGISTRY_REFRESH_MS: "300" });
    const url = `${worker.url}/v1/stream/producers/idle`;
    await create(url);
    expect(await produce(url, "p", 0, "a")).toBe(200);
    expect(await produce(url, "p", 0, "a")).toBe(204);
    expect((await producerStates(worker, "producers/idle")).rows).toHaveLength(1);

    // No append reaches the object meanwhile (the polls only read its rows):
    // only its alarm can delete the row.
    await eventually(
      async () => (await producerStates(worker, "producers/idle")).rows.length === 0,
      15_000,
    );
    // The producer is new again: the same append is accepted, not a duplicate.
    expect(await produce(url, "p", 0, "a")).toBe(200);
    expect(await contents(url)).toBe("aa");
    expect((await producerStates(worker, "producers/idle")).rows).toHaveLength(1);
  }, 30_000);

  it("migrates an object written before producer expiry: its producers still deduplicate, idle from the migration", async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const first = await start({}, temp.dir);
    const path = "producers/old";
    await create(`${first.url}/v1/stream/${path}`);
    expect(await produce(`${first.url}/v1/stream/${path}`, "p", 0, "a")).toBe(200);
    await (await streamObject(first, path)).toSchema3();
    expect((await producerStates(first, path)).rows).toEqual([
      { producerId: "p", lastSeq: 0, updatedAt: null },
    ]);
    await first.close();

    const migratedAfter = Date.now();
    const second = await start({}, temp.dir);
    const url = `${second.url}/v1/stream/${path}`;
    expect(await produce(url, "p", 0, "a")).toBe(204);
    expect(await contents(url)).toBe("a");
    const [row] = (await producerStates(second, path)).rows;
    expect(row?.lastSeq).toBe(0);
    expect(row?.updatedAt).toBeGreaterThanOrEqual(migratedAfter - 1_000);
    expect(row?.updatedAt).toBeLessThanOrEqual(Date.now());
    expect(await produce(url, "p", 1, "b")).toBe(200);
    expect(await contents(url)).toBe("ab");
  }, 40_000);
});
