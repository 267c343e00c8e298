/**
 * The `./db` entry's surface: the same export names as the official
 * `@durable-streams/state/db`, the root entry free of `@tanstack/db`, and
 * `createStreamDB` typed from (and fed by) a `defineStreamSchema` schema that
 * the NetScript-seed producer writes with.
 */
import { readFileSync } from "node:fs";
import * as officialDb from "@durable-streams/state/db";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import * as oursDb from "../src/db.js";
import { createStreamDB, eq, queryOnce } from "../src/db.js";
import * as oursRoot from "../src/index.js";
import { createDurableStream, defineStreamSchema } from "../src/index.js";
import { decodeSliced } from "../src/stream-db/sliced-text-decode.js";
import { executionsSchema } from "./seeds/executions-schema.js";
import { startDurastream, type TestServer, uniquePath } from "./servers.js";

describe("the ./db entry", () => {
  it("exports every name of @durable-streams/state/db, and otherwise only the root entry's", () => {
    const official = Object.keys(officialDb).sort();
    const ours = Object.keys(oursDb).sort();
    expect(official.filter((name) => !ours.includes(name))).toEqual([]);
    const extra = ours.filter((name) => !official.includes(name));
    expect(extra.filter((name) => !(name in oursRoot))).toEqual([]);
    const oursValues: Record<string, unknown> = { ...oursDb };
    const officialValues: Record<string, unknown> = { ...officialDb };
    for (const name of official) expect(typeof oursValues[name]).toBe(typeof officialValues[name]);
  });

  it("is declared in package.json with types, and @tanstack/db is an optional peer", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const official = JSON.parse(
      readFileSync(
        new URL("../../../node_modules/@durable-streams/state/package.json", import.meta.url),
        "utf8",
      ),
    );
    expect(pkg.exports["./db"]).toEqual({ types: "./dist/db.d.ts", default: "./dist/db.js" });
    expect(pkg.peerDependencies["@tanstack/db"]).toBe(official.peerDependencies["@tanstack/db"]);
    expect(pkg.peerDependenciesMeta["@tanstack/db"]).toEqual({ optional: true });
    expect(pkg.dependencies["@tanstack/db"]).toBeUndefined();
  });

  it("the root entry never imports @tanstack/db", () => {
    // Walk the root entry's relative imports in src and look for the peer.
    const seen = new Set<string>();
    const visit = (file: URL) => {
      if (seen.has(file.href)) return;
      seen.add(file.href);
      const text = readFileSync(file, "utf8");
      expect(text, file.pathname).not.toMatch(/from\s+["']@tanstack\//);
      for (const match of text.matchAll(/from\s+["'](\.[^"']+)\.js["']/g)) {
        visit(new URL(`${match[1]}.ts`, file));
      }
    };
    visit(new URL("../src/index.ts", import.meta.url));
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].some((f) => f.includes("stream-db"))).toBe(false);
  });
});

describe("createStreamDB with a defineStreamSchema schema (NetScript seed)", () => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startDurastream();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("reads what the seed's typed producer writes, typed from the schema", async () => {
    const streamPath = uniquePath("db-seed");
    const producer = createDurableStream({
      streamPath,
      schema: executionsSchema,
      producerId: "workers-service",
      baseUrl: server.base,
    });
    const at = new Date().toISOString();
    producer.upsert("execution", { id: "exec-1", status: "running", updatedAt: at });
    producer.upsert("execution", { id: "exec-2", status: "queued", updatedAt: at });
    producer.delete("execution", "exec-2");
    await producer.flush();

    const db = createStreamDB({
      streamOptions: { url: `${server.base}${streamPath}` },
      state: executionsSchema,
    });
    try {
      await db.preload();
      const row = db.collections.execution.get("exec-1");
      expectTypeOf(row?.status).toEqualTypeOf<
        "queued" | "running" | "succeeded" | "failed" | undefined
      >();
      expectTypeOf(row?.updatedAt).toEqualTypeOf<string | undefined>();
      expect(row).toMatchObject({ id: "exec-1", status: "running", updatedAt: at });
      expect(db.collections.execution.has("exec-2")).toBe(false);

      producer.upsert("execution", { id: "exec-1", status: "succeeded", updatedAt: at });
      await producer.flush();
      await vi.waitFor(() =>
        expect(db.collections.execution.get("exec-1")?.status).toBe("succeeded"),
      );
      const done = await queryOnce((q) =>
        q
          .from({ e: db.collections.execution })
          .where(({ e }) => eq(e.status, "succeeded"))
          .select(({ e }) => ({ id: e.id })),
      );
      expect(done.map((r) => r.id)).toEqual(["exec-1"]);
    } finally {
      db.close();
    }
  });

  it("skips values the schema rejects (STATE-PROTOCOL 9.2) and keeps reading", async () => {
    const schema = defineStreamSchema({
      execution: executionsSchema.execution,
    });
    const url = `${server.base}${uniquePath("db-invalid")}`;
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
    const at = new Date().toISOString();
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          type: "execution",
          key: "a",
          value: { id: "a", status: "bogus", updatedAt: at },
          headers: { operation: "insert" },
        },
        { type: "execution", key: "b", value: "not an object", headers: { operation: "insert" } },
        { headers: { operation: "insert" } },
        {
          type: "execution",
          key: "c",
          value: { id: "c", status: "queued", updatedAt: at },
          headers: { operation: "insert" },
        },
      ]),
    });
    const warnings: string[] = [];
    const db = createStreamDB({
      streamOptions: { url },
      state: schema,
      live: false,
      logger: { warn: (m) => warnings.push(m) },
    });
    await db.preload();
    expect([...db.collections.execution.keys()]).toEqual(["c"]);
    expect(warnings).toHaveLength(3);
    db.close();
  });

  it("rejects reserved collection names and duplicate types like the official", () => {
    const s = executionsSchema.execution.schema;
    expect(() =>
      createStreamDB({
        streamOptions: { url: "http://127.0.0.1:9/x" },
        state: { actions: { schema: s, type: "a", primaryKey: "id" } },
      }),
    ).toThrow(/Reserved collection name/);
    expect(() =>
      createStreamDB({
        streamOptions: { url: "http://127.0.0.1:9/x" },
        state: {
          a: { schema: s, type: "t", primaryKey: "id" },
          b: { schema: s, type: "t", primaryKey: "id" },
        },
      }),
    ).toThrow(/Duplicate event type/);
  });
});

describe("catch-up pages decoded in slices", () => {
  it("keeps a character cut by a slice boundary whole, and gives the event loop turns", async () => {
    // 262,143 ASCII bytes, then a 4-byte emoji across the 256 KiB slice boundary, and more.
    const text = `${"a".repeat(256 * 1024 - 1)}😀${"é".repeat(300_000)}日本`;
    const bytes = new TextEncoder().encode(text);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      // A zero budget yields after every slice.
      expect(await decodeSliced(new TextDecoder(), bytes, 0)).toBe(text);
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
    // The decoder's stream goes on: a character split between two pages too.
    const decoder = new TextDecoder();
    const euro = new TextEncoder().encode("€");
    expect(await decodeSliced(decoder, euro.subarray(0, 1), 0)).toBe("");
    expect(await decodeSliced(decoder, euro.subarray(1), 0)).toBe("€");
  });
});
