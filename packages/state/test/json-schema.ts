import { readFileSync } from "node:fs";
import { Ajv } from "ajv";

/** The State Protocol JSON Schema shipped with the package (a copy of the spec's). */
export const schemaPath = new URL("../spec/state-protocol.schema.json", import.meta.url);

/** A validator for spec/state-protocol.schema.json (draft-07). */
export function stateProtocolValidator(): (event: unknown) => { valid: boolean; errors: string } {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // RFC 3339 date-time, written independently of the product's own check.
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
  return (event) => {
    // Validate what goes over the wire: the JSON round-trip drops undefined fields.
    const wire = JSON.parse(JSON.stringify(event));
    const valid = validate(wire) as boolean;
    return { valid, errors: valid ? "" : ajv.errorsText(validate.errors) };
  };
}
