// Seed sample: netscript-publish-a-durable-stream.txt, "Define the schema".
// Only the import line differs from the seed.
import { defineStreamSchema } from "@durastream/state";

const standardShipmentSchema = {
  "~standard": {
    version: 1,
    vendor: "example",
    validate: (value: unknown) => ({ value }),
  },
} as const;

export const shipmentStreamSchema = defineStreamSchema({
  shipments: {
    schema: standardShipmentSchema,
    type: "shipment",
    primaryKey: "id",
  },
});
