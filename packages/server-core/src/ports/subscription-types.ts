/**
 * Subscription vocabulary (spec Sections 6, 7): the normalized configuration a
 * client declares, and the durable state the server keeps per subscription
 * and per linked stream.
 */

/** How a subscription wakes its workers. */
export type SubscriptionType = "webhook" | "pull-wake";

/** The configuration of a subscription, normalized (the hashed form). */
export interface SubscriptionConfig {
  readonly type: SubscriptionType;
  /** Glob over stream-root-relative paths, or null. */
  readonly pattern: string | null;
  /** Explicit stream paths, deduplicated and sorted. */
  readonly streams: readonly string[];
  /** Webhook receiver URL (`webhook` only). */
  readonly webhookUrl: string | null;
  /** Wake channel stream path (`pull-wake` only). */
  readonly wakeStream: string | null;
  readonly leaseTtlMs: number;
  readonly description: string | null;
}

/**
 * The durable state of one subscription. Everything needed to resume after a
 * restart: the current wake (generation, wake id), the lease and its holder,
 * and the webhook retry schedule.
 */
export interface SubscriptionState {
  readonly id: string;
  /** Random per creation: tokens of a deleted and re-created subscription never validate. */
  readonly incarnation: string;
  readonly config: SubscriptionConfig;
  /** Hex SHA-256 of the normalized configuration. */
  readonly configHash: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Stream root URL (`https://host/v1/stream`) callback and JWKS URLs are built on. */
  readonly rootUrl: string;
  /** Tombstoned by DELETE: in-flight callbacks, acks and releases fail. */
  deleted: boolean;
  /** When it was tombstoned (ms since epoch), or null. */
  deletedAt: number | null;
  /** Incremented by every wake. */
  generation: number;
  /** The wake in flight, or null when idle. */
  wakeId: string | null;
  /** The worker holding the lease (pull-wake), or null. */
  holder: string | null;
  /** When the current lease ends (ms since epoch), or null when no lease runs. */
  leaseExpiresAt: number | null;
  /** Failed webhook deliveries since the last successful one. */
  retryCount: number;
  /** When the next webhook delivery attempt is due (ms since epoch), or null. */
  nextAttemptAt: number | null;
}

/** One stream linked to a subscription: its durable cursor. */
export interface StreamLink {
  readonly subscriptionId: string;
  readonly path: string;
  /** Linked by `streams[]` or the membership API. */
  explicit: boolean;
  /** Linked because `pattern` matches. */
  glob: boolean;
  /** Last processed stream byte position (inclusive ack: reads resume here). */
  acked: number;
}

/** A stream's cursor as responses show it (Sections 6.3, 7.1, 7.2). */
export interface StreamInfo {
  readonly path: string;
  readonly link_type: "glob" | "explicit";
  readonly acked_offset: string;
  readonly tail_offset: string;
  readonly has_pending: boolean;
}
