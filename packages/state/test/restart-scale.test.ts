import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { seededRandom } from "../../../test-support/seeded-random.js";
import { createDurableStream, defineStreamSchema, subscribeState } from "../src/index.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const TOTAL_OPS = 100_000;
const RESTART_AT = 45_000;

const schema = defineStreamSchema({
  orders: {
    schema: z.object({
      id: z.string(),
      status: z.enum(["new", "paid", "shipped"]),
      total: z.number(),
    }),
    type: "order",
    primaryKey: "id",
  },
  customers: {
    schema: z.object({ id: z.string(), name: z.string(), tier: z.number().int() }),
    type: "customer",
    primaryKey: "id",
  },
  shipments: {
    schema: z.object({ sku: z.string(), orderId: z.string(), at: z.string() }),
    type: "shipment",
    primaryKey: "sku",
  },
});

type Collection = keyof typeof schema;
const COLLECTIONS: Collection[] = ["orders", "customers", "shipments"];
const KEY_SPACE = 12_000;

type Op =
  | { collection: Collection; kind: "upsert"; value: Record<string, unknown>; key: string }
  | { collection: Collection; kind: "delete"; key: string };

function makeOps(count: number): Op[] {
  const random = seededRandom(42);
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const collection = COLLECTIONS[Math.floor(random() * 3)]!;
    const key = `${collection[0]}-${Math.floor(random() * KEY_SPACE)}`;
    if (random() < 0.2) {
      ops.push({ collection, kind: "delete", key });
      continue;
    }
    const value =
      collection === "orders"
        ? { id: key, status: (["new", "paid", "shipped"] as const)[i % 3], total: i }
        : collection === "customers"
          ? { id: key, name: `customer ${i}`, tier: i % 5 }
          : { sku: key, orderId: `o-${i}`, at: `t${i}` };
    ops.push({ collection, kind: "upsert", value, key });
  }
  return ops;
}

describe.each(SERVER_KINDS)("100k entity ops with a producer restart on %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("live and late consumers end with exactly the producer's final state, no duplicate applied", async () => {
    const streamPath = uniquePath("scale");
    const ops = makeOps(TOTAL_OPS);
    const model = new Map<Collection, Map<string, unknown>>(COLLECTIONS.map((c) => [c, new Map()]));
    const write = (producer: ReturnType<typeof createDurableStream<typeof schema>>, op: Op) => {
      if (op.kind === "upsert") {
        (producer.upsert as (c: string, v: unknown) => void)(op.collection, op.value);
        model.get(op.collection)!.set(op.key, op.value);
      } else {
        producer.delete(op.collection, op.key);
        model.get(op.collection)!.delete(op.key);
      }
    };

    const first = createDurableStream({
      streamPath,
      schema,
      producerId: "orders-service",
      baseUrl: server.base,
    });
    await first.flush();
    const live = subscribeState({ streamPath, baseUrl: server.base, schema });
    await live.ready;

    for (let i = 0; i < RESTART_AT; i++) write(first, ops[i]!);
    await first.close(); // the "process" stops mid-way

    const second = createDurableStream({
      streamPath,
      schema,
      producerId: "orders-service",
      baseUrl: server.base,
    });
    expect(second).not.toBe(first);
    for (let i = RESTART_AT; i < TOTAL_OPS; i++) write(second, ops[i]!);
    await second.close();

    const late = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
    await late.done;
    const started = Date.now();
    while (live.applied < TOTAL_OPS && Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 20));
    }

    for (const view of [live, late]) {
      expect(view.applied).toBe(TOTAL_OPS); // every op applied exactly once
      expect(view.skipped).toBe(0);
      for (const collection of COLLECTIONS) {
        const expected = model.get(collection)!;
        const actual = view.all(collection);
        expect(actual.size).toBe(expected.size);
        for (const [key, value] of expected) {
          if (JSON.stringify(actual.get(key)) !== JSON.stringify(value)) {
            expect({ collection, key, value: actual.get(key) }).toEqual({ collection, key, value });
          }
        }
      }
    }
    expect(late.offset).toBe(live.offset);
    live.close();
  }, 180_000);
});
