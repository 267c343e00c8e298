import type { DurableStreamError } from "@durastream/client";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import {
  createDurableStream,
  defineStreamSchema,
  StreamConnectError,
  subscribeState,
} from "../src/index.js";
import { userZod } from "./fixtures.js";
import { startDurastream, type TestServer, uniquePath } from "./servers.js";

const schema = defineStreamSchema({ users: { schema: userZod, type: "user", primaryKey: "id" } });
const SECRET = "s3cret-token";

let server!: TestServer;
beforeAll(async () => {
  server = await startDurastream(SECRET);
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => vi.unstubAllEnvs());

it("producer and consumer authenticate with STREAMS_SECRET from the environment", async () => {
  vi.stubEnv("STREAMS_SECRET", SECRET);
  const streamPath = uniquePath("auth");
  const producer = createDurableStream({
    streamPath,
    schema,
    producerId: "svc",
    baseUrl: server.base,
  });
  producer.upsert("users", { id: "u1", name: "Ann" });
  await producer.close();
  const view = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
  await view.done;
  expect(view.get("users", "u1")).toEqual({ id: "u1", name: "Ann" });
});

it("without the secret, flush() is refused with 401 and the consumer of an existing stream fails with 401", async () => {
  // The stream exists (written with the secret), so only missing auth can make the consumer fail.
  vi.stubEnv("STREAMS_SECRET", SECRET);
  const streamPath = uniquePath("noauth");
  const writer = createDurableStream({
    streamPath,
    schema,
    producerId: "svc",
    baseUrl: server.base,
  });
  writer.upsert("users", { id: "u0", name: "Zed" });
  await writer.close();

  vi.stubEnv("STREAMS_SECRET", "");
  vi.stubEnv("DURABLE_STREAMS_SECRET", "");
  const producer = createDurableStream({
    streamPath: uniquePath("noauth-write"),
    schema,
    producerId: "svc",
    baseUrl: server.base,
  });
  producer.upsert("users", { id: "u1", name: "Ann" });
  const refused = await producer.flush().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(StreamConnectError);
  expect(((refused as StreamConnectError).cause as DurableStreamError).status).toBe(401);
  const view = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
  await expect(view.ready).rejects.toMatchObject({ status: 401 });
});

it("explicit headers override the environment, case-insensitively", async () => {
  vi.stubEnv("STREAMS_SECRET", "wrong");
  const streamPath = uniquePath("hdr");
  const producer = createDurableStream({
    streamPath,
    schema,
    producerId: "svc",
    baseUrl: server.base,
    headers: { authorization: `Bearer ${SECRET}` },
  });
  producer.upsert("users", { id: "u1", name: "Ann" });
  await producer.close();
  // Read back with the right secret: the write got through the explicit header.
  vi.stubEnv("STREAMS_SECRET", SECRET);
  const view = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
  await view.done;
  expect(view.get("users", "u1")).toEqual({ id: "u1", name: "Ann" });
});
