/**
 * Standard Schema validation helpers shared by schema helpers, producer and consumers.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";

/** Whether `value` looks like a Standard Schema (has a `~standard.validate` function). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return (
    typeof props === "object" &&
    props !== null &&
    typeof (props as { validate?: unknown }).validate === "function"
  );
}

/** Renders Standard Schema issues as `path: message, ...`. */
export function formatIssues(issues: ReadonlyArray<StandardSchemaV1.Issue> | undefined): string {
  if (!issues || issues.length === 0) return "Unknown validation error";
  return issues
    .map((issue) => {
      const path = (issue.path ?? [])
        .map((segment) =>
          typeof segment === "object" && segment !== null ? String(segment.key) : String(segment),
        )
        .join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join(", ");
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}

/** The outcome of validating one value. */
export type ValidationOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

function toOutcome<T>(result: StandardSchemaV1.Result<T>): ValidationOutcome<T> {
  if (result.issues !== undefined) return { ok: false, message: formatIssues(result.issues) };
  return { ok: true, value: result.value };
}

/**
 * Validates `value` with `schema`. Returns synchronously when the schema does,
 * otherwise a promise of the outcome. A throwing validator counts as a failure.
 */
export function validateWith<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): ValidationOutcome<T> | Promise<ValidationOutcome<T>> {
  let result: StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(toOutcome, (error: unknown) => ({
      ok: false as const,
      message: error instanceof Error ? error.message : String(error),
    }));
  }
  return toOutcome(result);
}
