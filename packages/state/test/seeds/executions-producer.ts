// Seed sample: netscript-durable-streams-overview.txt, "streams/producer.ts".
// Only the import lines differ from the seed (the package name, and `.js` for the
// relative module so it type-checks under NodeNext).
// streams/producer.ts
import { createDurableStream } from "@durastream/state";
import { executionsSchema } from "./executions-schema.js";

// createDurableStream returns a singleton producer per streamPath and begins
// connecting to the :4437 durable-stream server immediately.
const producer = createDurableStream({
  streamPath: "/workers/executions",
  schema: executionsSchema,
  producerId: "workers-service",
});

// upsert/delete are synchronous enqueues keyed by the collection primary key.
producer.upsert("execution", {
  id: "exec-1",
  status: "running",
  updatedAt: new Date().toISOString(),
});
producer.delete("execution", "exec-0");

// flush before graceful shutdown; it rethrows the connect error if the
// producer never connected (see known limitations).
await producer.flush();
