import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ChangeEvent,
  type ControlEvent,
  isChangeEvent,
  isControlEvent,
  isRfc3339Timestamp,
  isStateEvent,
  type StateEvent,
  validateStateEvent,
} from "../src/index.js";
import { schemaPath, stateProtocolValidator } from "./json-schema.js";

const insert: ChangeEvent = {
  type: "user",
  key: "user:123",
  value: { name: "Alice", email: "alice@example.com" },
  headers: { operation: "insert", timestamp: "2025-01-15T10:30:00Z" },
};
const reset: ControlEvent = { headers: { control: "reset", offset: "123456_000" } };

describe("state events", () => {
  it("discriminates change and control messages", () => {
    const events: StateEvent[] = [insert, reset];
    expect(events.map((e) => isChangeEvent(e))).toEqual([true, false]);
    expect(events.map((e) => isControlEvent(e))).toEqual([false, true]);
    expect(isChangeEvent(null)).toBe(false);
    expect(isControlEvent({})).toBe(false);
    expect(isChangeEvent({ headers: "x" })).toBe(false);
  });

  it("validates spec examples and rejects malformed messages", () => {
    expect(validateStateEvent(insert)).toMatchObject({ ok: true, kind: "change" });
    expect(validateStateEvent(reset)).toMatchObject({ ok: true, kind: "control" });
    expect(
      validateStateEvent({ type: "user", key: "1", headers: { operation: "delete" } }).ok,
    ).toBe(true);
    expect(
      validateStateEvent({ type: "u", key: "1", value: 1, headers: { operation: "upsert" } }).ok,
    ).toBe(true);
    const bad: unknown[] = [
      null,
      [],
      "x",
      { type: "user", key: "1", value: 1 },
      { type: "", key: "1", value: 1, headers: { operation: "insert" } },
      { type: "user", key: "", value: 1, headers: { operation: "insert" } },
      { type: "user", key: 1, value: 1, headers: { operation: "insert" } },
      { type: "user", key: "1", headers: { operation: "insert" } },
      { type: "user", key: "1", headers: { operation: "update" } },
      { type: "user", key: "1", value: 1, headers: { operation: "merge" } },
      { type: "user", key: "1", value: 1, headers: { operation: "insert", txid: "" } },
      { type: "user", key: "1", value: 1, headers: { operation: "insert", timestamp: "today" } },
      { headers: { control: "rewind" } },
      { headers: { control: "reset", offset: "" } },
      { headers: {} },
    ];
    for (const message of bad) {
      expect(isStateEvent(message), JSON.stringify(message)).toBe(false);
    }
  });

  it("checks RFC 3339 timestamps", () => {
    expect(isRfc3339Timestamp(new Date().toISOString())).toBe(true);
    expect(isRfc3339Timestamp("2025-01-15T10:30:00+02:00")).toBe(true);
    expect(isRfc3339Timestamp("2025-13-15T10:30:00Z")).toBe(false);
    expect(isRfc3339Timestamp("2025-01-15")).toBe(false);
  });

  it("agrees with the State Protocol JSON Schema on spec operations", () => {
    const check = stateProtocolValidator();
    expect(check(insert).valid).toBe(true);
    expect(check(reset).valid).toBe(true);
    expect(check({ headers: { control: "snapshot-start" } }).valid).toBe(true);
    expect(check({ type: "user", key: "1", headers: { operation: "update" } }).valid).toBe(false);
  });

  it("ships an unmodified copy of the spec's JSON Schema", (ctx) => {
    const shared = new URL("../../../../shared/spec/state-protocol.schema.json", import.meta.url);
    if (!existsSync(shared)) {
      // CI always has shared/ beside the clone: missing there is a broken setup, not a skip.
      if (process.env.CI)
        throw new Error(`missing ${shared.pathname}: shared/ must sit beside the repository`);
      ctx.skip("shared/ is not beside the repository");
    }
    expect(readFileSync(schemaPath, "utf8")).toBe(readFileSync(shared, "utf8"));
  });
});
