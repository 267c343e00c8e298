// Seed sample: netscript-publish-a-durable-stream.txt, "Create the producer",
// "Upsert and delete state" and "Flush on shutdown", in one module.
// Only the import lines differ from the seed (package name; `.js` for the relative module).
import { createDurableStream } from "@durastream/state";
import { shipmentStreamSchema } from "./shipment-stream-schema.js";

const shutdown = new AbortController();

const producer = createDurableStream({
  streamPath: "/shipments",
  schema: shipmentStreamSchema,
  producerId: "shipping-service",
  signal: shutdown.signal,
});

producer.upsert("shipments", {
  id: "ship_123",
  orderId: "ord_123",
  status: "in_transit",
  updatedAt: new Date().toISOString(),
});

producer.delete("shipments", "ship_123");

addEventListener("unload", async () => {
  shutdown.abort();
  await producer.flush();
  await producer.close();
});
