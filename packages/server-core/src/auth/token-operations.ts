/** What a token may do on the paths it names. */

/**
 * Operations a token scope grants. `read` covers catch-up, live reads, HEAD
 * and being a fork source; `append` covers appends and closing; `create`
 * covers creating streams and forks; `admin` grants all of them.
 */
export type Operation = "read" | "append" | "create" | "delete" | "admin";

/** Every operation, in the order documentation lists them. */
export const OPERATIONS: readonly Operation[] = ["read", "append", "create", "delete", "admin"];

/** Whether `value` names an operation. */
export function isOperation(value: unknown): value is Operation {
  return typeof value === "string" && (OPERATIONS as readonly string[]).includes(value);
}
