// The job board's stream schema, shared by the producer (Node) and the page
// (bundled): one schema for the typed writer and the reactive reader.
import { defineStreamSchema } from "@durastream/state";
import { z } from "zod";

export const boardSchema = defineStreamSchema({
  jobs: {
    schema: z.object({
      id: z.string(),
      title: z.string(),
      companyId: z.string(),
      status: z.enum(["open", "taken", "filled"]),
      pay: z.number(),
    }),
    type: "job",
    primaryKey: "id",
  },
  companies: {
    schema: z.object({ id: z.string(), name: z.string() }),
    type: "company",
    primaryKey: "id",
  },
});
