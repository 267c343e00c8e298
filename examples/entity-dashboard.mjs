// A live dashboard of entity state, written with the typed producer.
//
//   node examples/entity-dashboard.mjs
//
// A deploy service publishes the state of its services through
// createDurableStream (validated by a zod schema, delivered exactly once);
// a dashboard materializes the stream with subscribeState and redraws on
// every change.
import { createDurableStream, defineStreamSchema, subscribeState } from "@durastream/state";
import { z } from "zod";
import { streamRoot, uniquePath } from "./server.mjs";

const { root, close } = await streamRoot();
const streamPath = `/${uniquePath("dashboards/services")}`;

const schema = defineStreamSchema({
  service: {
    schema: z.object({
      name: z.string().min(1),
      version: z.string(),
      status: z.enum(["deploying", "healthy", "degraded"]),
    }),
    type: "service",
    primaryKey: "name",
  },
});

const producer = createDurableStream({
  streamPath,
  schema,
  producerId: "deployer",
  baseUrl: root,
});
producer.upsert("service", { name: "api", version: "1.4.0", status: "healthy" });
producer.upsert("service", { name: "web", version: "2.0.1", status: "healthy" });
await producer.flush();

const dashboard = subscribeState({ streamPath, schema, baseUrl: root });
const draw = (title) => {
  console.log(`\n${title}`);
  console.table([...dashboard.all("service").values()]);
};
await dashboard.ready;
draw("dashboard (caught up)");

let redraws = 0;
const seen = new Promise((resolve) => {
  dashboard.onChange(() => {
    redraws++;
    draw(`dashboard (change ${redraws})`);
    if (dashboard.get("service", "worker")?.status === "healthy") resolve();
  });
});
producer.upsert("service", { name: "api", version: "1.5.0", status: "deploying" });
producer.upsert("service", { name: "worker", version: "0.9.0", status: "deploying" });
producer.upsert("service", { name: "api", version: "1.5.0", status: "healthy" });
producer.delete("service", "web");
producer.upsert("service", { name: "worker", version: "0.9.0", status: "healthy" });
await producer.flush();
await seen;

if (dashboard.get("service", "web") !== undefined) throw new Error("web was deleted");
if (dashboard.get("service", "api")?.version !== "1.5.0") throw new Error("api not updated");
await producer.close();
dashboard.close();
await close();
