// Seed sample: netscript-durable-streams-overview.txt, "streams/executions-schema.ts".
// Only the import lines differ from the seed.
// streams/executions-schema.ts
// Author against the core package — this is the live surface.
import { defineStreamSchema } from "@durastream/state";
import { z } from "zod";

// Each collection is an entity type with a primary key. The schema is the
// type contract producers and HTTP/SSE consumers are locked to.
export const executionsSchema = defineStreamSchema({
  execution: {
    schema: z.object({
      id: z.string().min(1),
      status: z.enum(["queued", "running", "succeeded", "failed"]),
      updatedAt: z.string().datetime(),
    }),
    type: "execution",
    primaryKey: "id",
  },
});
