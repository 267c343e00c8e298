/**
 * Shared by the StreamDB tests: a job board schema, raw stream helpers that
 * both servers accept, and the two `createStreamDB` implementations under test
 * behind one shape.
 */
import * as official from "@durable-streams/state/db";
import { z } from "zod";
import * as ours from "../src/db.js";
import { createStateSchema } from "../src/index.js";

export const jobZod = z.object({
  id: z.string().min(1),
  title: z.string(),
  status: z.enum(["open", "filled", "closed"]),
  ownerId: z.string(),
  pay: z.number(),
});
export const ownerZod = z.object({ id: z.string().min(1), name: z.string() });
export type Job = z.infer<typeof jobZod>;
export type Owner = z.infer<typeof ownerZod>;

export const boardCollections = {
  jobs: { schema: jobZod, type: "job", primaryKey: "id" },
  owners: { schema: ownerZod, type: "owner", primaryKey: "id" },
};

export const job = (id: string, status: Job["status"], ownerId: string, pay: number): Job => ({
  id,
  title: `job ${id}`,
  status,
  ownerId,
  pay,
});

/** The `./db` module surface both implementations share. */
export type DbModule = typeof ours;

/** A `createStreamDB` implementation under test. */
export interface StreamDBImpl {
  name: "durastream" | "official";
  db: DbModule;
  /** Has `offset` / `from` / `snapshot()` (the official 0.3.1 has none). */
  resumes: boolean;
  /**
   * Applies a `reset` that opens a batch. The official 0.3.1 calls TanStack
   * DB's `truncate()` without `begin()` and fails with
   * NoPendingSyncTransactionWriteError (any @tanstack/db in its peer range).
   */
  resets: boolean;
  /** How an action persists one change event and waits for it in the stream. */
  persist(
    db: { utils: ours.StreamDBUtils },
    stream: ours.StreamDBMethods["stream"],
    event: ours.ChangeEvent,
  ): Promise<unknown>;
}

export const OURS: StreamDBImpl = {
  name: "durastream",
  db: ours,
  resumes: true,
  resets: true,
  // Through the DB's idempotent producer, confirmed by txid.
  persist: (db, _stream, event) => db.utils.write(event),
};

export const OFFICIAL: StreamDBImpl = {
  name: "official",
  db: official as unknown as DbModule,
  resumes: false,
  resets: false,
  // The official pattern: append with a txid, then await it.
  async persist(db, stream, event) {
    const txid = crypto.randomUUID();
    await stream.append(JSON.stringify({ ...event, headers: { ...event.headers, txid } }));
    await db.utils.awaitTxId(txid);
  },
};

/** Creates a JSON stream (idempotent). */
export async function createJsonStream(url: string): Promise<void> {
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  if (!res.ok) throw new Error(`PUT ${url}: ${res.status}`);
}

/** Appends messages in one request (one atomic append on both servers). */
export async function appendMessages(url: string, messages: unknown[]): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(messages),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

/** Every message of the stream, read once. */
export async function readMessages(url: string): Promise<unknown[]> {
  const res = await fetch(`${url}?offset=-1`);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as unknown[];
}

/** Closes the stream (no more appends are accepted). */
export async function closeStream(url: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "Stream-Closed": "true" } });
  if (!res.ok) throw new Error(`close ${url}: ${res.status} ${await res.text()}`);
}

/** Rows without TanStack DB's virtual `$…` props and StreamDB's `_seq`, sorted by id. */
export function plain<T extends { id: string }>(rows: Iterable<T>): Omit<T, "_seq">[] {
  return [...rows]
    .map((row) => {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (!k.startsWith("$") && k !== "_seq") copy[k] = v;
      return copy as Omit<T, "_seq">;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const boardSchema = createStateSchema(boardCollections);

/** Events of the board: inserts, then updates and deletes of some of them. */
/** Size of the large-stream tests and bench. */
export const EVENTS = 100_000;

export function boardEvents(total: number): unknown[] {
  const events: unknown[] = [];
  for (let i = 0; i < 100; i++) {
    events.push(boardSchema.owners.insert({ value: { id: `o${i}`, name: `owner ${i}` } }));
  }
  const rows = Math.floor(total * 0.6);
  for (let i = 0; events.length < total; i++) {
    if (i < rows) {
      events.push(boardSchema.jobs.insert({ value: job(`j${i}`, "open", `o${i % 100}`, i % 500) }));
    } else if (i % 5 === 0) {
      events.push(boardSchema.jobs.delete({ key: `j${i % rows}` }));
    } else {
      events.push(
        boardSchema.jobs.update({ value: job(`j${i % rows}`, "filled", `o${i % 100}`, 1) }),
      );
    }
  }
  return events;
}

// Apps ship TanStack DB in production mode; its development checks keep a
// copy of every synced row, which doubles the heap this test measures.
