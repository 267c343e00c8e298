import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SERVER_KINDS, startServerOfKind, type TestServer } from "./servers.js";

type StateModule = typeof import("@durastream/state");

/**
 * The seed samples (test/seeds/*.ts) run as written, importing the built
 * `@durastream/state`; the server is found through DURABLE_STREAMS_URL set to the
 * bare origin, as Aspire-style configuration would give it.
 */
describe.each(SERVER_KINDS)("seed samples against %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  async function freshState(): Promise<StateModule> {
    vi.resetModules();
    vi.stubEnv("DURABLE_STREAMS_URL", server!.url);
    return import("@durastream/state");
  }

  it("overview: executions schema + producer", async () => {
    const state = await freshState();
    await import("./seeds/executions-producer.js");
    const { executionsSchema } = await import("./seeds/executions-schema.js");
    const view = state.subscribeState({
      streamPath: "/workers/executions",
      schema: executionsSchema,
      live: false,
    });
    await view.done;
    expect(view.get("execution", "exec-1")?.status).toBe("running");
    expect(view.all("execution").size).toBe(1);
    const report = state.inspectStreamTopic({
      schema: executionsSchema,
      streamPath: "/workers/executions",
      producerId: "workers-service",
    });
    expect(report.details.collections).toEqual([
      { name: "execution", type: "execution", primaryKey: "id", vendor: "zod" },
    ]);
  });

  it("publish a durable stream: schema, producer, upsert/delete, flush on unload", async () => {
    const unloadHandlers: Array<() => Promise<void> | void> = [];
    vi.stubGlobal("addEventListener", (type: string, handler: () => Promise<void> | void) => {
      if (type === "unload") unloadHandlers.push(handler);
    });
    const state = await freshState();
    await import("./seeds/publish-shipments.js");
    const { shipmentStreamSchema } = await import("./seeds/shipment-stream-schema.js");
    // Same singleton as the sample's: wait for it to connect before "unloading".
    const producer = state.createDurableStream({
      streamPath: "/shipments",
      schema: shipmentStreamSchema,
      producerId: "shipping-service",
    });
    await producer.flush();
    expect(unloadHandlers).toHaveLength(1);
    await unloadHandlers[0]!();
    expect(producer.closed).toBe(true);

    const view = state.subscribeState({
      streamPath: "/shipments",
      schema: shipmentStreamSchema,
      live: false,
    });
    const operations: string[] = [];
    view.onChange((batch) => {
      for (const change of batch.changes)
        if (change.kind === "change") operations.push(change.operation);
    });
    await view.done;
    expect(operations).toEqual(["insert", "delete"]);
    expect(view.all("shipments").size).toBe(0);
  });
});
