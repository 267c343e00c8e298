import type { StandardSchemaV1 } from "@standard-schema/spec";
import * as v from "valibot";
import { z } from "zod";

/** A hand-written Standard Schema: objects with a non-empty string `id`. */
export function handWrittenSchema<T extends { id: string }>(): StandardSchemaV1<T> {
  return {
    "~standard": {
      version: 1,
      vendor: "hand-written",
      validate: (value: unknown) => {
        if (typeof value !== "object" || value === null) {
          return { issues: [{ message: "expected an object" }] };
        }
        const id = (value as { id?: unknown }).id;
        if (typeof id !== "string" || id === "") {
          return { issues: [{ message: "id must be a non-empty string", path: ["id"] }] };
        }
        return { value: value as T };
      },
    },
  };
}

export const userZod = z.object({
  id: z.string().min(1),
  name: z.string(),
  age: z.number().int().nonnegative().optional(),
});

export const messageValibot = v.object({
  id: v.string(),
  userId: v.string(),
  text: v.pipe(v.string(), v.minLength(1)),
});

export type Note = { id: string; body: string };
