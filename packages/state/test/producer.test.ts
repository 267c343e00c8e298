import { stream } from "@durastream/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDurableStream,
  defineStreamSchema,
  type StateLogger,
  StreamConnectError,
  subscribeState,
} from "../src/index.js";
import { handWrittenSchema, type Note, userZod } from "./fixtures.js";
import { stateProtocolValidator } from "./json-schema.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const schema = defineStreamSchema({
  users: { schema: userZod, type: "user", primaryKey: "id" },
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
});

function recordingLogger(): StateLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (m) => messages.push(m) };
}

async function readAll(url: string): Promise<unknown[]> {
  const res = await stream({ url, offset: "-1", live: false, json: true });
  return res.json();
}

describe.each(SERVER_KINDS)("createDurableStream against %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("writes upserts and deletes, creating the JSON stream, with spec-valid events", async () => {
    const streamPath = uniquePath("users");
    const producer = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    expect(producer.streamPath).toBe(streamPath);
    producer.upsert("users", { id: "u1", name: "Ann" });
    producer.upsert("users", { id: "u2", name: "Bob" });
    producer.upsert("users", { id: "u1", name: "Ann B" });
    producer.upsert("notes", { id: "n1", body: "x" });
    producer.delete("users", "u2");
    await producer.flush();
    const events = (await readAll(`${server.base}${streamPath}`)) as Array<{
      type: string;
      key: string;
      headers: Record<string, unknown>;
    }>;
    expect(events.map((e) => [e.type, e.key, e.headers.operation])).toEqual([
      ["user", "u1", "insert"],
      ["user", "u2", "insert"],
      ["user", "u1", "update"],
      ["note", "n1", "insert"],
      ["user", "u2", "delete"],
    ]);
    const check = stateProtocolValidator();
    for (const event of events) {
      // The official server stamps `headers.offset` into JSON messages it serves;
      // what the producer wrote is the event without it.
      if (kind === "official") delete event.headers.offset;
      expect(check(event).errors).toBe("");
    }
    await producer.close();
    expect(producer.closed).toBe(true);
  });

  it("is a singleton per stream path while open; a closed one is replaced", async () => {
    const streamPath = uniquePath("single");
    const a = createDurableStream({ streamPath, schema, producerId: "svc", baseUrl: server.base });
    const b = createDurableStream({ streamPath, schema, producerId: "svc", baseUrl: server.base });
    expect(b).toBe(a);
    await a.close();
    const c = createDurableStream({ streamPath, schema, producerId: "svc", baseUrl: server.base });
    expect(c).not.toBe(a);
    expect(c.closed).toBe(false);
    await c.close();
  });

  it("skips unknown collections, missing keys and invalid values with warnings", async () => {
    const logger = recordingLogger();
    const streamPath = uniquePath("skips");
    const producer = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
      logger,
    });
    const untyped = producer as unknown as {
      upsert(c: string, v: unknown): void;
      delete(c: string, k: string): void;
    };
    untyped.upsert("ghosts", { id: "g" });
    untyped.upsert("users", { name: "no id" });
    untyped.upsert("users", { id: "", name: "empty id" });
    untyped.upsert("users", { id: "u1", name: 42 });
    untyped.delete("users", "");
    const circular: Record<string, unknown> = { id: "loop", name: "x" };
    circular.self = circular;
    untyped.upsert("users", circular);
    untyped.delete("ghosts", "g");
    producer.upsert("users", { id: "ok", name: "fine" });
    await producer.close();
    producer.upsert("users", { id: "late", name: "after close" });
    expect(logger.messages.join("\n")).toMatch(/unknown collection "ghosts"/);
    expect(logger.messages.join("\n")).toMatch(/missing or empty primary key "id"/);
    expect(logger.messages.join("\n")).toMatch(/invalid users "u1": name: /);
    expect(logger.messages.join("\n")).toMatch(/empty users key/);
    expect(logger.messages.join("\n")).toMatch(/not JSON-serializable/);
    expect(logger.messages.join("\n")).toMatch(/producer is closed/);
    const events = (await readAll(`${server.base}${streamPath}`)) as Array<{ key: string }>;
    expect(events.map((e) => e.key)).toEqual(["ok"]);
  });

  it("close() detaches without closing the stream, and a restarted producer keeps writing", async () => {
    const streamPath = uniquePath("restart");
    const first = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    for (let i = 0; i < 50; i++) first.upsert("users", { id: `u${i}`, name: "first" });
    await first.close();
    const second = createDurableStream({
      streamPath,
      schema,
      producerId: "svc",
      baseUrl: server.base,
    });
    for (let i = 0; i < 50; i++) second.upsert("users", { id: `u${i}`, name: "second" });
    second.delete("users", "u0");
    await second.close();
    const view = subscribeState({ url: `${server.base}${streamPath}`, schema, live: false });
    await view.done;
    expect(view.applied).toBe(101);
    expect(view.all("users").size).toBe(49);
    expect(view.get("users", "u7")).toEqual({ id: "u7", name: "second" });
  });

  it("keeps write order when a collection schema validates asynchronously", async () => {
    const delays = [30, 0, 15, 5];
    let call = 0;
    const slowSchema = defineStreamSchema({
      jobs: {
        schema: {
          "~standard": {
            version: 1 as const,
            vendor: "slow",
            validate: (value: unknown) => {
              const delay = delays[call++ % delays.length]!;
              return new Promise<{ value: { id: string; ok: boolean } }>((resolve, reject) =>
                setTimeout(() => {
                  const v = value as { id: string; ok: boolean };
                  if (v.ok) resolve({ value: v });
                  else reject(new Error("not ok"));
                }, delay),
              );
            },
          },
        },
        type: "job",
        primaryKey: "id",
      },
    });
    const logger = recordingLogger();
    const streamPath = uniquePath("async");
    const producer = createDurableStream({
      streamPath,
      schema: slowSchema,
      producerId: "svc",
      baseUrl: server.base,
      logger,
    });
    producer.upsert("jobs", { id: "a", ok: true });
    producer.upsert("jobs", { id: "b", ok: false });
    producer.delete("jobs", "z");
    producer.upsert("jobs", { id: "c", ok: true });
    producer.upsert("jobs", { id: "a", ok: true });
    await producer.close();
    const events = (await readAll(`${server.base}${streamPath}`)) as Array<{
      key: string;
      headers: { operation: string };
    }>;
    expect(events.map((e) => `${e.key}:${e.headers.operation}`)).toEqual([
      "a:insert",
      "z:delete",
      "c:insert",
      "a:update",
    ]);
    expect(logger.messages.join("\n")).toMatch(/invalid jobs "b": not ok/);
  });

  it("warns when the open singleton is requested under another producerId", async () => {
    const logger = recordingLogger();
    const streamPath = uniquePath("other-id");
    const a = createDurableStream({ streamPath, schema, producerId: "one", baseUrl: server.base });
    const b = createDurableStream({
      streamPath,
      schema,
      producerId: "two",
      baseUrl: server.base,
      logger,
    });
    expect(b).toBe(a);
    expect(logger.messages.join("\n")).toMatch(/already open as producer "one"/);
    await a.close();
  });

  it("rejects flush() when the server is unreachable", async () => {
    const producer = createDurableStream({
      streamPath: uniquePath("down"),
      schema,
      producerId: "svc",
      baseUrl: "http://127.0.0.1:9/v1/stream",
      connectTimeoutMs: 1500,
    });
    producer.upsert("users", { id: "u", name: "x" });
    await expect(producer.flush()).rejects.toBeInstanceOf(StreamConnectError);
    await expect(producer.close()).rejects.toBeInstanceOf(StreamConnectError);
  });

  it("treats an aborted connect as expected, not a failure", async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const producer = createDurableStream({
      streamPath: uniquePath("aborted"),
      schema,
      producerId: "svc",
      baseUrl: server.base,
      signal: shutdown.signal,
      logger: recordingLogger(),
    });
    producer.upsert("users", { id: "u", name: "x" });
    await expect(producer.flush()).resolves.toBeUndefined();
    await expect(producer.close()).resolves.toBeUndefined();
  });
});
