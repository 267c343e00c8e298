import {
  DurableStream as OfficialDurableStream,
  IdempotentProducer as OfficialIdempotentProducer,
  stream as officialStream,
} from "@durable-streams/client";
import {
  type ChangeEvent as OfficialChangeEvent,
  MaterializedState as OfficialMaterializedState,
  createStateSchema as officialCreateStateSchema,
} from "@durable-streams/state";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDurableStream, defineStreamSchema, subscribeState } from "../src/index.js";
import { handWrittenSchema, messageValibot, type Note, userZod } from "./fixtures.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const collections = {
  users: { schema: userZod, type: "user", primaryKey: "id" },
  messages: { schema: messageValibot, type: "message", primaryKey: "id" },
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
};

function typeMapsOf(
  state: OfficialMaterializedState,
  types: string[],
): Record<string, Record<string, unknown>> {
  return Object.fromEntries(types.map((t) => [t, Object.fromEntries(state.getType(t))]));
}

describe.each(SERVER_KINDS)("interop with @durable-streams/state on %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("state written by our producer materializes with the official MaterializedState", async () => {
    const schema = defineStreamSchema(collections);
    const streamPath = uniquePath("ours-to-official");
    for (const upsertOperation of ["insert-or-update", "upsert"] as const) {
      const path = `${streamPath}-${upsertOperation}`;
      const producer = createDurableStream({
        streamPath: path,
        schema,
        producerId: "svc",
        baseUrl: server.base,
        upsertOperation,
      });
      const model = {
        user: new Map<string, unknown>(),
        message: new Map<string, unknown>(),
        note: new Map<string, unknown>(),
      };
      for (let i = 0; i < 300; i++) {
        const id = `k${i % 40}`;
        if (i % 7 === 3) {
          producer.delete("users", id);
          model.user.delete(id);
        } else {
          const user = { id, name: `n${i}` };
          producer.upsert("users", user);
          model.user.set(id, user);
        }
        const message = { id: `m${i % 25}`, userId: id, text: `t${i}` };
        producer.upsert("messages", message);
        model.message.set(message.id, message);
        const note = { id: `n${i % 10}`, body: `b${i}` };
        producer.upsert("notes", note);
        model.note.set(note.id, note);
      }
      await producer.close();

      const res = await officialStream<OfficialChangeEvent>({
        url: `${server.base}${path}`,
        offset: "-1",
        live: false,
      });
      const official = new OfficialMaterializedState();
      official.applyBatch(await res.json());
      const expected = Object.fromEntries(
        Object.entries(model).map(([t, m]) => [t, Object.fromEntries(m)]),
      );
      expect(typeMapsOf(official, ["user", "message", "note"])).toEqual(expected);
    }
  });

  it("events from the official createStateSchema helpers materialize with our consumer", async () => {
    const theirSchema = officialCreateStateSchema(collections);
    const url = `${server.base}${uniquePath("official-to-ours")}`;
    const handle = await OfficialDurableStream.create({ url, contentType: "application/json" });
    const producer = new OfficialIdempotentProducer(handle, "official-producer", {
      autoClaim: true,
    });
    const events: OfficialChangeEvent[] = [
      theirSchema.users.insert({ value: { id: "u1", name: "Kyle" } }),
      theirSchema.users.insert({ value: { id: "u2", name: "Sam", age: 3 } }),
      theirSchema.users.update({
        value: { id: "u1", name: "Kyle S" },
        oldValue: { id: "u1", name: "Kyle" },
      }),
      theirSchema.messages.upsert({ value: { id: "m1", userId: "u1", text: "hi" } }),
      theirSchema.messages.upsert({ value: { id: "m1", userId: "u1", text: "hi again" } }),
      theirSchema.notes.insert({ value: { id: "n1", body: "x" }, headers: { txid: "tx-9" } }),
      theirSchema.notes.delete({ oldValue: { id: "n1", body: "x" } }),
      theirSchema.users.delete({ key: "u2" }),
      theirSchema.users.upsert({ value: { id: "u3", name: "Zed" } }),
    ];
    for (const event of events) producer.append(JSON.stringify(event));
    await producer.flush();
    await producer.detach();

    const official = new OfficialMaterializedState();
    official.applyBatch(events);

    const ours = subscribeState({ url, schema: defineStreamSchema(collections), live: false });
    await ours.done;
    expect(ours.applied).toBe(events.length);
    expect(ours.skipped).toBe(0);
    expect(Object.fromEntries(ours.all("users"))).toEqual(
      Object.fromEntries(official.getType("user")),
    );
    expect(Object.fromEntries(ours.all("messages"))).toEqual(
      Object.fromEntries(official.getType("message")),
    );
    expect(Object.fromEntries(ours.all("notes"))).toEqual(
      Object.fromEntries(official.getType("note")),
    );
    expect(ours.get("users", "u1")).toEqual({ id: "u1", name: "Kyle S" });
  });
});
