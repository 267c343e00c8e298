/**
 * `StreamRegistry`: the one Durable Object that sees every stream's path, so
 * `GET {root}/__ds/streams` can list a deployment whose streams each live in
 * their own object. Stream objects report creates, closes, deletes and (at
 * most once per refresh period) their tail through a durable outbox
 * (`object/registry-outbox.ts`); the registry keeps the newest report per path
 * and answers the listing with server-core's own listing code over a path
 * index in its SQLite.
 */

import { DurableObject } from "cloudflare:workers";
import {
  Authenticator,
  adapterJsonHeaders,
  forkOfRow,
  listingPage,
  ProtocolError,
  type StreamSummary,
  summaryOfRow,
} from "@durastream/server-core";
import { type Config, type Env, readConfig } from "../config.js";
import { drainBody } from "../drain-body.js";
import { engineRequest } from "../object/http-bridge.js";
import { jsonError } from "../worker/json-error.js";
import type { RegistryEntry } from "./registry-entry.js";
import type { RegistryStats, StreamRegistryRpc } from "./registry-rpc.js";

interface EntryRow extends Record<string, SqlStorageValue> {
  path: string;
  content_type: string;
  created_at: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  tail: number;
  closed: number;
  fork_source_path: string | null;
  fork_position: number | null;
}

/** The registry of stream paths. */
export class StreamRegistry extends DurableObject<Env> implements StreamRegistryRpc {
  readonly #config: Config;
  readonly #sql: SqlStorage;
  /** The same credentials as the stream objects: the secret and scoped tokens. */
  readonly #auth: Authenticator;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#sql = ctx.storage.sql;
    this.#auth = new Authenticator({ ...this.#config.tokens, secret: this.#config.secret }, () =>
      Date.now(),
    );
    // One row per path ever reported: deleted streams stay as small
    // tombstones (live = 0) so that a late, repeated report of a deleted
    // incarnation can never bring it back. The partial index covers live
    // paths only, so tombstones cost a listing nothing.
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      path TEXT PRIMARY KEY,
      incarnation INTEGER NOT NULL,
      version INTEGER NOT NULL,
      live INTEGER NOT NULL,
      content_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      ttl_seconds INTEGER,
      expires_at INTEGER,
      tail INTEGER NOT NULL,
      closed INTEGER NOT NULL,
      fork_source_path TEXT,
      fork_position INTEGER
    ) WITHOUT ROWID`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS live_paths ON entries (path) WHERE live = 1");
  }

  /**
   * Applies reports from a stream's object. Idempotent and order-free: a
   * report replaces the stored one only when it is newer (a later
   * incarnation, or a later version of the same one).
   */
  report(entries: readonly RegistryEntry[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const entry of entries) {
        this.#sql.exec(
          `INSERT INTO entries (path, incarnation, version, live, content_type, created_at,
             ttl_seconds, expires_at, tail, closed, fork_source_path, fork_position)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET incarnation = excluded.incarnation,
             version = excluded.version, live = excluded.live,
             content_type = excluded.content_type, created_at = excluded.created_at,
             ttl_seconds = excluded.ttl_seconds, expires_at = excluded.expires_at,
             tail = excluded.tail, closed = excluded.closed,
             fork_source_path = excluded.fork_source_path, fork_position = excluded.fork_position
           WHERE (excluded.incarnation, excluded.version) > (entries.incarnation, entries.version)`,
          entry.path,
          entry.incarnation,
          entry.version,
          entry.live ? 1 : 0,
          entry.contentType,
          entry.createdAt,
          entry.ttlSeconds,
          entry.expiresAt,
          entry.tail,
          entry.closed ? 1 : 0,
          entry.forkSourcePath,
          entry.forkPosition,
        );
      }
    });
  }

  /**
   * Live paths under `prefix` at or after `from`, in path order (the
   * subscription coordinator's backfill of a pattern).
   */
  livePaths(from: string, prefix: string, limit: number): string[] {
    return this.#listFrom(from, prefix, limit).map((summary) => summary.path);
  }

  /**
   * What `/metrics` reports from the registry: live streams, their bytes and
   * how many are closed, as of the streams' last reports (tails lag by at most
   * the refresh period), and the reports applied since the registry was
   * created. One indexed scan over live paths.
   */
  stats(): RegistryStats {
    const row = this.#sql
      .exec<{ streams: number; bytes: number | null; closed: number | null }>(
        "SELECT COUNT(*) AS streams, SUM(tail) AS bytes, SUM(closed) AS closed FROM entries WHERE live = 1",
      )
      .one();
    return { streams: row.streams, bytes: row.bytes ?? 0, closed: row.closed ?? 0 };
  }

  /** `GET {root}/__ds/streams` (routed here by the Worker). */
  override async fetch(request: Request): Promise<Response> {
    // An unread body (a refused method) would cost the client its connection.
    await drainBody(request);
    try {
      const url = new URL(request.url);
      const access = await this.#auth.authenticate(engineRequest(request, "__ds/streams", url));
      if (request.method !== "GET") {
        throw new ProtocolError(405, "METHOD_NOT_ALLOWED", `method ${request.method} not allowed`, {
          allow: "GET, OPTIONS",
        });
      }
      // As on Node: only streams the caller may read are listed; the others
      // are left out, not refused.
      const visible = access.isFull ? null : (path: string) => access.allows("read", path);
      const page = listingPage(url.searchParams, { listFrom: this.#listFrom }, Date.now(), visible);
      return new Response(JSON.stringify(page), {
        status: 200,
        headers: adapterJsonHeaders(),
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const response = jsonError(error.status, error.code, error.message);
      for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
      return response;
    }
  }

  /**
   * Live paths under `prefix` at or after `from`, in byte order, from the
   * partial index: SQLite compares TEXT with memcmp, i.e. in the UTF-8 byte
   * order `comparePaths` defines, and the prefix is a range of that order.
   */
  readonly #listFrom = (from: string, prefix: string, limit: number): StreamSummary[] => {
    const now = Date.now();
    const end = prefixEnd(prefix);
    const rows = this.#sql
      .exec<EntryRow>(
        `SELECT path, content_type, created_at, ttl_seconds, expires_at, tail, closed,
           fork_source_path, fork_position
         FROM entries WHERE live = 1 AND path >= ? AND (? IS NULL OR path < CAST(? AS TEXT))
         ORDER BY path LIMIT ?`,
        from,
        end,
        end,
        limit,
      )
      .toArray();
    return rows.map((row) => summary(row, now));
  };
}

const encoder = new TextEncoder();

/**
 * The first byte string after every path that starts with `prefix` (its
 * UTF-8 bytes with the last one incremented: a UTF-8 string never ends in
 * 0xFF), or null for the empty prefix. Compared as TEXT bytes by SQLite.
 */
function prefixEnd(prefix: string): ArrayBuffer | null {
  if (prefix === "") return null;
  const bytes = encoder.encode(prefix);
  bytes[bytes.length - 1]! += 1;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * A listing summary of a registry row. The registry does not see reads, so
 * it cannot know a sliding TTL's last access: it reports the listing time
 * as the last access, and a stream idle past its TTL leaves the listing
 * when its own alarm deletes it (and reports so), not earlier.
 */
function summary(row: EntryRow, now: number): StreamSummary {
  // The registry keeps no requested fork offset: only where the fork branches.
  const fork = forkOfRow(row.fork_source_path === null ? null : 0, {
    ...row,
    fork_offset: null,
    fork_sub_offset: null,
  });
  return summaryOfRow({ ...row, last_access_at: now, soft_deleted: 0 }, row.tail, fork);
}
