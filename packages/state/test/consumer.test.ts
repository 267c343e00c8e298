import { DurableStream } from "@durastream/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test-support/eventually.js";
import {
  createDurableStream,
  defineStreamConsumer,
  defineStreamProducer,
  defineStreamSchema,
  defineStreamTopic,
  type StateChangeBatch,
  type StateLogger,
  subscribeState,
} from "../src/index.js";
import { handWrittenSchema, type Note, userZod } from "./fixtures.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const schema = defineStreamSchema({
  users: { schema: userZod, type: "user", primaryKey: "id" },
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
});

const quiet: StateLogger & { messages: string[] } = {
  messages: [],
  warn(m) {
    this.messages.push(m);
  },
};

async function appendRaw(url: string, messages: unknown[]): Promise<void> {
  const handle = new DurableStream({ url, contentType: "application/json" });
  for (const message of messages) await handle.append(JSON.stringify(message));
}

describe.each(SERVER_KINDS)("subscribeState against %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("materializes live, notifies listeners, and a late non-live reader agrees", async () => {
    const streamPath = uniquePath("live");
    const producer = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    await producer.flush(); // stream exists before the consumer attaches
    const batches: StateChangeBatch<typeof schema>[] = [];
    const live = subscribeState({ streamPath, baseUrl: server.base, schema });
    live.onChange((batch) => batches.push(batch));
    await live.ready;
    expect(live.upToDate).toBe(true);
    expect(live.all("users").size).toBe(0);

    producer.upsert("users", { id: "u1", name: "Ann" });
    producer.upsert("notes", { id: "n1", body: "hello" });
    await producer.flush();
    await eventually(() => live.applied === 2);
    expect(live.get("users", "u1")).toEqual({ id: "u1", name: "Ann" });
    const user = live.get("users", "u1");
    expect(user?.name).toBe("Ann"); // typed as the zod output

    producer.upsert("users", { id: "u1", name: "Ann B" });
    producer.delete("notes", "n1");
    await producer.flush();
    await eventually(() => live.applied === 4);
    expect(live.get("users", "u1")?.name).toBe("Ann B");
    expect(live.get("notes", "n1")).toBeUndefined();

    const changes = batches.flatMap((b) => b.changes);
    expect(
      changes.map((c) =>
        c.kind === "change" ? `${c.collection}:${c.key}:${c.operation}` : c.control,
      ),
    ).toEqual(["users:u1:insert", "notes:n1:insert", "users:u1:update", "notes:n1:delete"]);
    const update = changes[2];
    expect(update?.kind === "change" && update.previous).toEqual({ id: "u1", name: "Ann" });

    const late = subscribeState({ url: `${server.base}${streamPath}`, schema, live: false });
    await late.done;
    expect(late.snapshot().collections).toEqual(live.snapshot().collections);
    expect(late.offset).toBe(live.offset);
    live.close();
    await live.done;
    await producer.close();
  });

  it("resumes from a snapshot's offset without re-applying", async () => {
    const streamPath = uniquePath("resume");
    const producer = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    producer.upsert("users", { id: "a", name: "1" });
    producer.upsert("users", { id: "b", name: "1" });
    await producer.flush();
    const first = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
    await first.done;
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    producer.upsert("users", { id: "a", name: "2" });
    producer.delete("users", "b");
    await producer.close();
    const resumed = subscribeState({
      streamPath,
      baseUrl: server.base,
      schema,
      live: false,
      from: saved,
    });
    await resumed.done;
    expect(resumed.applied).toBe(2);
    expect(Object.fromEntries(resumed.all("users"))).toEqual({ a: { id: "a", name: "2" } });
  });

  it("clears on reset, skips malformed messages, unknown types and invalid values", async () => {
    const url = `${server.base}${uniquePath("controls")}`;
    await DurableStream.create({ url, contentType: "application/json" });
    await appendRaw(url, [
      { type: "user", key: "u1", value: { id: "u1", name: "A" }, headers: { operation: "insert" } },
      { headers: { control: "snapshot-start" } },
      { type: "user", key: "u2", value: { id: "u2", name: "B" }, headers: { operation: "upsert" } },
      { headers: { control: "snapshot-end" } },
      { headers: { control: "reset" } },
      { type: "user", key: "u3", value: { id: "u3", name: "C" }, headers: { operation: "insert" } },
      { type: "alien", key: "x", value: 1, headers: { operation: "insert" } },
      { type: "user", key: "u4", value: { id: "u4", name: 4 }, headers: { operation: "insert" } },
      { type: "user", key: "u5", headers: { operation: "insert" } },
      { just: "noise" },
    ]);
    const batches: StateChangeBatch<typeof schema>[] = [];
    const view = subscribeState({
      url,
      schema,
      live: false,
      logger: quiet,
      onChange: (b) => batches.push(b),
    });
    await view.done;
    expect([...view.all("users").keys()]).toEqual(["u3"]);
    expect(view.applied).toBe(3);
    expect(view.skipped).toBe(4);
    const controls = batches.flatMap((b) => b.changes).filter((c) => c.kind === "control");
    expect(controls.map((c) => c.kind === "control" && c.control)).toEqual([
      "snapshot-start",
      "snapshot-end",
      "reset",
    ]);
    expect(quiet.messages.join("\n")).toMatch(/unknown type "alien"/);
  });

  it("rejects ready for a missing stream and stops on close()/abort", async () => {
    const missing = subscribeState({ url: `${server.base}${uniquePath("missing")}`, schema });
    await expect(missing.ready).rejects.toThrow();
    expect(missing.error).toBeInstanceOf(Error);

    const streamPath = uniquePath("abort");
    const producer = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    await producer.close();
    const controller = new AbortController();
    const view = subscribeState({
      streamPath,
      baseUrl: server.base,
      schema,
      signal: controller.signal,
    });
    await view.ready;
    controller.abort();
    await expect(view.done).resolves.toBeUndefined();
  });

  it("defineStreamProducer / defineStreamConsumer work end to end", async () => {
    const topic = defineStreamTopic({
      streamPath: uniquePath("topic"),
      schema,
      producerId: "topic-svc",
      baseUrl: server.base,
    });
    const producer = defineStreamProducer(topic);
    const consumer = defineStreamConsumer(topic);
    await producer.publish({
      operation: "upsert",
      collection: "users",
      value: { id: "t1", name: "T" },
    });
    const seen: string[] = [];
    const view = consumer.subscribe((batch) => {
      for (const change of batch.changes) if (change.kind === "change") seen.push(change.key);
    });
    await view.ready;
    await producer.publish([
      { operation: "upsert", collection: "notes", value: { id: "n", body: "b" } },
      { operation: "delete", collection: "users", key: "t1" },
    ]);
    await eventually(() => view.applied === 3);
    expect(seen).toEqual(["t1", "n", "t1"]);
    expect(view.get("users", "t1")).toBeUndefined();
    expect(view.get("notes", "n")).toEqual({ id: "n", body: "b" });
    view.close();
    await producer.close();
    expect(() => defineStreamProducer({ streamPath: "/x", schema })).toThrow(/producerId/);
  });
});
