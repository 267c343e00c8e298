/**
 * What a stream's object tells the registry about its stream: a snapshot of
 * the listing fields, versioned so that the registry can apply reports
 * at-least-once and in any order and keep the newest.
 */

/** Name of the one registry object (its own `__ds` namespace, never a stream path). */
export const REGISTRY_NAME = "__ds";

/** A stream's state as its object last reported it. */
export interface RegistryEntry {
  readonly path: string;
  /**
   * The stream's incarnation: its record id in its object. Ids grow with every
   * stream an object ever holds, so a re-created stream at the same path
   * outranks the deleted one.
   */
  readonly incarnation: number;
  /** Order of this report within the incarnation (the outbox sequence). */
  readonly version: number;
  /** False once the stream is deleted (soft-deleted for its forks, or removed). */
  readonly live: boolean;
  readonly contentType: string;
  readonly createdAt: number;
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
  /** The durable tail when the report was made. */
  readonly tail: number;
  readonly closed: boolean;
  readonly forkSourcePath: string | null;
  readonly forkPosition: number | null;
}
