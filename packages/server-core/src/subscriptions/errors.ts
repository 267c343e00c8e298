/** Errors of the subscription APIs: a status, a code, and extra error fields some codes carry. */

/** Machine-readable codes of subscription errors. */
export type SubscriptionErrorCode =
  | "BAD_REQUEST"
  | "WEBHOOK_URL_REJECTED"
  | "SUBSCRIPTION_NOT_FOUND"
  | "SUBSCRIPTION_EXISTS"
  | "LIMIT_EXCEEDED"
  | "TOKEN_INVALID"
  | "TOKEN_EXPIRED"
  | "FENCED"
  | "ALREADY_CLAIMED"
  | "NO_PENDING_WORK"
  | "WRONG_SUBSCRIPTION_TYPE"
  | "INVALID_OFFSET";

/** An error the reserved routes turn into `{"error":{"code","message",...fields}}`. */
export class SubscriptionError extends Error {
  constructor(
    readonly status: number,
    readonly code: SubscriptionErrorCode,
    message: string,
    /** Extra members of the `error` object (`current_holder`, `generation`). */
    readonly fields: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "SubscriptionError";
  }
}

export const invalid = (message: string) => new SubscriptionError(400, "BAD_REQUEST", message);

export const subscriptionNotFound = (id: string) =>
  new SubscriptionError(404, "SUBSCRIPTION_NOT_FOUND", `subscription not found: ${id}`);

export const fenced = (message: string) => new SubscriptionError(409, "FENCED", message);
