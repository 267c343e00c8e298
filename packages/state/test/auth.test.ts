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

let server: TestServer | undefined;
beforeAll(async () => {
  server = await startDurastream(SECRET);
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => vi.unstubAllEnvs());

it("producer and consumer authenticate with STREAMS_SECRET from the environment", async (ctx) => {
  if (!server) return ctx.skip();
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

it("without the secret, flush() rejects at once and the consumer fails", async (ctx) => {
  if (!server) return ctx.skip();
  vi.stubEnv("STREAMS_SECRET", "");
  vi.stubEnv("DURABLE_STREAMS_SECRET", "");
  const streamPath = uniquePath("noauth");
  const producer = createDurableStream({
    streamPath,
    schema,
    producerId: "svc",
    baseUrl: server.base,
  });
  producer.upsert("users", { id: "u1", name: "Ann" });
  const started = Date.now();
  await expect(producer.flush()).rejects.toBeInstanceOf(StreamConnectError);
  expect(Date.now() - started).toBeLessThan(1000);
  const view = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
  await expect(view.ready).rejects.toThrow();
});

it("explicit headers override the environment, case-insensitively", async (ctx) => {
  if (!server) return ctx.skip();
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
});
