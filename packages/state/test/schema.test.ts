import { MaterializedState as OfficialMaterializedState } from "@durable-streams/state";
import { describe, expect, it } from "vitest";
import {
  createStateSchema,
  defineStreamSchema,
  MaterializedState,
  validateStateEvent,
} from "../src/index.js";
import { handWrittenSchema, messageValibot, type Note, userZod } from "./fixtures.js";
import { stateProtocolValidator } from "./json-schema.js";

const collections = {
  users: { schema: userZod, type: "user", primaryKey: "id" },
  messages: { schema: messageValibot, type: "message", primaryKey: "id" },
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
};

describe("createStateSchema", () => {
  const schema = createStateSchema(collections);

  it("keeps each definition and adds helpers", () => {
    expect(schema.users.type).toBe("user");
    expect(schema.users.primaryKey).toBe("id");
    expect(schema.users.schema).toBe(userZod);
    for (const name of ["insert", "update", "upsert", "delete"] as const) {
      expect(typeof schema.messages[name]).toBe("function");
    }
  });

  it("builds events with keys derived from the primary key (zod, valibot, hand-written)", () => {
    expect(schema.users.insert({ value: { id: "u1", name: "Ann" } })).toEqual({
      type: "user",
      key: "u1",
      value: { id: "u1", name: "Ann" },
      headers: { operation: "insert" },
    });
    expect(
      schema.messages.upsert({
        value: { id: "m1", userId: "u1", text: "hi" },
        headers: { txid: "t1" },
      }),
    ).toEqual({
      type: "message",
      key: "m1",
      value: { id: "m1", userId: "u1", text: "hi" },
      headers: { txid: "t1", operation: "upsert" },
    });
    expect(
      schema.notes.update({ value: { id: "n1", body: "b" }, oldValue: { id: "n1", body: "a" } }),
    ).toMatchObject({
      key: "n1",
      old_value: { id: "n1", body: "a" },
      headers: { operation: "update" },
    });
    expect(schema.notes.delete({ key: "n2" })).toEqual({
      type: "note",
      key: "n2",
      headers: { operation: "delete" },
    });
    expect(schema.notes.delete({ oldValue: { id: "n3", body: "x" } }).key).toBe("n3");
    expect(schema.users.insert({ key: "explicit", value: { id: "u1", name: "A" } }).key).toBe(
      "explicit",
    );
  });

  it("rejects invalid values with the issue, and missing keys", () => {
    expect(() => schema.users.insert({ value: { id: "", name: "x" } })).toThrow(
      /Validation failed for user insert: id: /,
    );
    expect(() => schema.messages.insert({ value: { id: "m", userId: "u", text: "" } })).toThrow(
      /Validation failed for message insert/,
    );
    expect(() => schema.notes.upsert({ value: { id: "", body: "x" } as Note })).toThrow(
      /id must be a non-empty string/,
    );
    expect(() => schema.notes.delete({})).toThrow(/must provide either 'key' or 'oldValue'/);
    const loose = createStateSchema({
      items: { schema: handWrittenSchema<{ id: string }>(), type: "item", primaryKey: "sku" },
    });
    expect(() => loose.items.insert({ value: { id: "x" } })).toThrow(/non-empty 'sku' field/);
  });

  it("rejects async schemas in helpers instead of skipping validation", () => {
    const asyncSchema = createStateSchema({
      items: {
        schema: {
          "~standard": {
            version: 1 as const,
            vendor: "async",
            validate: async (value: unknown) => ({ value: value as { id: string } }),
          },
        },
        type: "item",
        primaryKey: "id",
      },
    });
    expect(() => asyncSchema.items.insert({ value: { id: "1" } })).toThrow(/asynchronously/);
  });

  it("rejects reserved names, duplicate types and malformed definitions", () => {
    expect(() =>
      createStateSchema({ actions: { schema: userZod, type: "a", primaryKey: "id" } }),
    ).toThrow(/Reserved collection name "actions"/);
    expect(() =>
      createStateSchema({
        a: { schema: userZod, type: "same", primaryKey: "id" },
        b: { schema: userZod, type: "same", primaryKey: "id" },
      }),
    ).toThrow(/Duplicate event type "same"/);
    expect(() =>
      createStateSchema({ a: { schema: {} as never, type: "a", primaryKey: "id" } }),
    ).toThrow(/Standard Schema/);
    expect(() => createStateSchema({ a: { schema: userZod, type: "", primaryKey: "id" } })).toThrow(
      /non-empty string 'type'/,
    );
  });

  it("emits events that satisfy the State Protocol JSON Schema", () => {
    const check = stateProtocolValidator();
    const events = [
      schema.users.insert({
        value: { id: "u1", name: "Ann" },
        headers: { timestamp: new Date().toISOString() },
      }),
      schema.users.update({ value: { id: "u1", name: "Bo" }, headers: { txid: "tx-1" } }),
      schema.users.delete({ key: "u1" }),
      schema.notes.delete({ oldValue: { id: "n1", body: "x" } }),
    ];
    for (const event of events) {
      const result = check(event);
      expect(result.errors).toBe("");
      expect(validateStateEvent(event).ok).toBe(true);
    }
  });
});

describe("defineStreamSchema", () => {
  it("returns a frozen schema with helpers (seed sample)", () => {
    const standardShipmentSchema = {
      "~standard": {
        version: 1,
        vendor: "example",
        validate: (value: unknown) => ({ value }),
      },
    } as const;
    const shipmentStreamSchema = defineStreamSchema({
      shipments: { schema: standardShipmentSchema, type: "shipment", primaryKey: "id" },
    });
    expect(Object.isFrozen(shipmentStreamSchema)).toBe(true);
    expect(Object.isFrozen(shipmentStreamSchema.shipments)).toBe(true);
    expect(() => {
      (shipmentStreamSchema as Record<string, unknown>).other = {};
    }).toThrow(TypeError);
    expect(shipmentStreamSchema.shipments.upsert({ value: { id: "ship_1" } }).key).toBe("ship_1");
  });
});

describe("MaterializedState", () => {
  const schema = createStateSchema(collections);
  const events = [
    schema.users.insert({ value: { id: "1", name: "Alice" } }),
    schema.users.insert({ value: { id: "2", name: "Bob" } }),
    schema.users.update({ value: { id: "1", name: "Alice Smith" } }),
    schema.notes.upsert({ value: { id: "n", body: "x" } }),
    schema.notes.upsert({ value: { id: "n", body: "y" } }),
    schema.messages.insert({ value: { id: "m", userId: "1", text: "hi" } }),
    schema.messages.delete({ key: "m" }),
    schema.messages.delete({ key: "never-existed" }),
  ];

  it("materializes latest value per key (spec section 6)", () => {
    const state = new MaterializedState();
    state.applyBatch(events);
    expect(state.get("user", "1")).toEqual({ id: "1", name: "Alice Smith" });
    expect(state.get("user", "2")).toEqual({ id: "2", name: "Bob" });
    expect(state.get("note", "n")).toEqual({ id: "n", body: "y" });
    expect(state.get("message", "m")).toBeUndefined();
    expect(state.getType("message").size).toBe(0);
    expect(state.getType("nothing").size).toBe(0);
    expect(state.types).toEqual(["user", "note", "message"]);
    expect(state.typeCount).toBe(3);
  });

  it("matches the official MaterializedState on the same events", () => {
    const ours = new MaterializedState();
    const theirs = new OfficialMaterializedState();
    ours.applyBatch(events);
    theirs.applyBatch(events);
    expect(ours.types).toEqual(theirs.types);
    for (const type of theirs.types) {
      expect([...ours.getType(type)]).toEqual([...theirs.getType(type)]);
    }
  });

  it("clears on clear() and on a reset control message; ignores snapshot markers", () => {
    const state = new MaterializedState();
    state.applyBatch(events);
    state.apply({ headers: { control: "snapshot-start", offset: "1" } });
    expect(state.typeCount).toBe(3);
    state.apply({ headers: { control: "reset" } });
    expect(state.typeCount).toBe(0);
    state.applyBatch(events);
    state.clear();
    expect(state.types).toEqual([]);
  });
});
