/**
 * The wire shape of durastream's stream listing extension,
 * `GET {stream root}/__ds/streams` (see docs/listing.md): what the servers
 * send and the client reads. Not part of the Durable Streams protocol.
 */

/** One stream of a listing page. */
export interface ListedStream {
  /** Path under the stream root, e.g. `chat/42`. */
  readonly path: string;
  readonly contentType: string;
  /** The tail offset: where the next append will start. */
  readonly nextOffset: string;
  /** Bytes from the stream's start to its tail (a fork's inherited bytes included). */
  readonly bytes: number;
  readonly closed: boolean;
  /** ISO-8601 creation time. */
  readonly createdAt: string | null;
  /** ISO-8601 absolute expiry (`Stream-Expires-At`), or null. */
  readonly expiresAt: string | null;
  /** Sliding time-to-live in seconds (`Stream-TTL`), or null. */
  readonly ttlSeconds: number | null;
  /** The source path and the offset the fork branches at, for a fork. */
  readonly forkedFrom: { readonly path: string; readonly offset: string } | null;
}

/** One page of a listing. */
export interface ListingPage {
  readonly streams: ListedStream[];
  /** Resumes after this page (pass as `cursor`); null on the last page. */
  readonly nextCursor: string | null;
}
