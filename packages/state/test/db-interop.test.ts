/**
 * `createStreamDB` behaviour, run the same way for durastream's and the
 * official `@durable-streams/state/db` over both servers: live queries
 * (filter, join, aggregate) following the stream over SSE and long-poll,
 * resume from a saved offset, optimistic actions confirmed or rolled back,
 * and `reset` emptying and refilling collections.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  appendMessages,
  boardCollections,
  closeStream,
  createJsonStream,
  job,
  OFFICIAL,
  OURS,
  plain,
  readMessages,
  type StreamDBImpl,
} from "./db-fixtures.js";
import { startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const COMBINATIONS: Array<{ impl: StreamDBImpl; serverKind: string; label: string }> = [
  { impl: OURS, serverKind: "durastream", label: "durastream's createStreamDB, durastream server" },
  { impl: OURS, serverKind: "official", label: "durastream's createStreamDB, official server" },
  { impl: OFFICIAL, serverKind: "durastream", label: "official createStreamDB, durastream server" },
];

const settle = { timeout: 10_000, interval: 20 };

describe.each(COMBINATIONS)("$label", ({ impl, serverKind }) => {
  const { db: lib } = impl;
  const schema = lib.createStateSchema(boardCollections);
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(serverKind);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function seededStream(prefix: string): Promise<string> {
    const url = `${server.base}${uniquePath(prefix)}`;
    await createJsonStream(url);
    await appendMessages(url, [
      schema.owners.insert({ value: { id: "o1", name: "Ada" } }),
      schema.owners.insert({ value: { id: "o2", name: "Grace" } }),
      schema.jobs.insert({ value: job("j1", "open", "o1", 100) }),
      schema.jobs.insert({ value: job("j2", "open", "o2", 50) }),
      schema.jobs.insert({ value: job("j3", "filled", "o1", 70) }),
    ]);
    return url;
  }

  for (const live of ["sse", "long-poll"] as const) {
    it(`live queries with a filter, a join and an aggregate follow the stream (${live})`, async () => {
      const url = await seededStream(`db-live-${live}`);
      const db = lib.createStreamDB({
        streamOptions: { url, contentType: "application/json" },
        state: schema,
        live,
      });
      const { jobs, owners } = db.collections;
      const open = lib.createLiveQueryCollection((q) =>
        q
          .from({ job: jobs })
          .where(({ job }) => lib.eq(job.status, "open"))
          .select(({ job }) => ({ id: job.id, pay: job.pay })),
      );
      const withOwner = lib.createLiveQueryCollection((q) =>
        q
          .from({ job: jobs })
          .join({ owner: owners }, ({ job, owner }) => lib.eq(job.ownerId, owner.id), "inner")
          .select(({ job, owner }) => ({ id: job.id, owner: owner.name })),
      );
      const byStatus = lib.createLiveQueryCollection((q) =>
        q
          .from({ job: jobs })
          .groupBy(({ job }) => job.status)
          .select(({ job }) => ({
            id: job.status,
            jobs: lib.count(job.id),
            pay: lib.sum(job.pay),
          })),
      );
      try {
        await db.preload();
        await Promise.all([open.preload(), withOwner.preload(), byStatus.preload()]);
        expect(plain(open.toArray)).toEqual([
          { id: "j1", pay: 100 },
          { id: "j2", pay: 50 },
        ]);
        expect(plain(withOwner.toArray)).toEqual([
          { id: "j1", owner: "Ada" },
          { id: "j2", owner: "Grace" },
          { id: "j3", owner: "Ada" },
        ]);
        expect(plain(byStatus.toArray)).toEqual([
          { id: "filled", jobs: 1, pay: 70 },
          { id: "open", jobs: 2, pay: 150 },
        ]);

        await appendMessages(url, [
          schema.jobs.update({ value: job("j1", "filled", "o1", 120) }),
          schema.owners.insert({ value: { id: "o3", name: "Linus" } }),
          schema.jobs.insert({ value: job("j4", "open", "o3", 30) }),
        ]);
        await appendMessages(url, [
          schema.jobs.delete({ key: "j2" }),
          schema.owners.update({ value: { id: "o1", name: "Ada L." } }),
        ]);
        await vi.waitFor(() => {
          expect(plain(open.toArray)).toEqual([{ id: "j4", pay: 30 }]);
          expect(plain(withOwner.toArray)).toEqual([
            { id: "j1", owner: "Ada L." },
            { id: "j3", owner: "Ada L." },
            { id: "j4", owner: "Linus" },
          ]);
          expect(plain(byStatus.toArray)).toEqual([
            { id: "filled", jobs: 2, pay: 190 },
            { id: "open", jobs: 1, pay: 30 },
          ]);
        }, settle);
        expect(db.collections.jobs.get("j1")).toMatchObject(job("j1", "filled", "o1", 120));
      } finally {
        db.close();
      }
    });
  }

  it.runIf(impl.resumes)("resumes from a saved offset and snapshot", async () => {
    const url = await seededStream("db-resume");
    const first = lib.createStreamDB({ streamOptions: { url }, state: schema, live: false });
    await first.preload();
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<typeof first.snapshot>;
    first.close();
    expect(saved.offset).not.toBe("-1");

    await appendMessages(url, [
      schema.jobs.update({ value: job("j2", "closed", "o2", 50) }),
      schema.jobs.delete({ key: "j3" }),
      schema.jobs.insert({ value: job("j5", "open", "o2", 10) }),
    ]);
    const offsets: Array<string | null> = [];
    const recording: typeof fetch = (input, init) => {
      const target = new URL(input instanceof Request ? input.url : String(input));
      if (target.pathname.endsWith(new URL(url).pathname)) {
        offsets.push(target.searchParams.get("offset"));
      }
      return fetch(input, init);
    };
    const resumed = lib.createStreamDB({
      streamOptions: { url, fetch: recording },
      state: schema,
      from: saved,
    });
    const openJobs = lib.createLiveQueryCollection((q) =>
      q.from({ job: resumed.collections.jobs }).where(({ job }) => lib.eq(job.status, "open")),
    );
    try {
      await resumed.preload();
      await openJobs.preload();
      // It read only what came after the saved offset...
      expect(offsets[0]).toBe(saved.offset);
      // ...and still holds the whole state.
      expect(plain(resumed.collections.jobs.values())).toEqual([
        job("j1", "open", "o1", 100),
        job("j2", "closed", "o2", 50),
        job("j5", "open", "o2", 10),
      ]);
      expect(plain(openJobs.toArray).map((r) => r.id)).toEqual(["j1", "j5"]);
      expect(resumed.collections.owners.size).toBe(2);
      await appendMessages(url, [schema.jobs.insert({ value: job("j6", "open", "o1", 5) })]);
      await vi.waitFor(() => expect(openJobs.has("j6")).toBe(true), settle);

      // `offset` alone starts there with empty collections: only the later changes.
      const tail = lib.createStreamDB({
        streamOptions: { url },
        state: schema,
        offset: saved.offset,
        live: false,
      });
      await tail.preload();
      expect(plain(tail.collections.jobs.values()).map((r) => r.id)).toEqual(["j2", "j5", "j6"]);
      expect(tail.collections.owners.size).toBe(0);
      tail.close();
    } finally {
      resumed.close();
    }
  });

  it("an optimistic insert shows at once and is confirmed; one refused by the server rolls back with the error", async () => {
    const url = await seededStream("db-actions");
    const db = lib.createStreamDB({
      streamOptions: { url, contentType: "application/json" },
      state: schema,
      actions: ({ db, stream }) => ({
        addJob: {
          onMutate: (added: ReturnType<typeof job>) => {
            db.collections.jobs.insert(added);
          },
          mutationFn: (added: ReturnType<typeof job>) =>
            impl.persist(db, stream, schema.jobs.insert({ value: added })),
        },
      }),
    });
    try {
      await db.preload();
      const confirmed = db.actions.addJob(job("j7", "open", "o1", 1));
      // Visible before any round trip.
      expect(db.collections.jobs.get("j7")).toMatchObject({ id: "j7", status: "open" });
      await confirmed.isPersisted.promise;
      expect(confirmed.state).toBe("completed");
      expect(db.collections.jobs.get("j7")).toMatchObject({ id: "j7", status: "open" });
      const stored = (await readMessages(url)) as Array<{
        key?: string;
        headers: { txid?: string };
      }>;
      const written = stored.find((m) => m.key === "j7");
      expect(written?.headers.txid).toEqual(expect.any(String));

      await closeStream(url);
      const refused = db.actions.addJob(job("j8", "open", "o2", 2));
      expect(db.collections.jobs.has("j8")).toBe(true);
      await expect(refused.isPersisted.promise).rejects.toThrow(/closed/i);
      expect(refused.state).toBe("failed");
      expect(db.collections.jobs.has("j8")).toBe(false);
      expect(db.collections.jobs.has("j7")).toBe(true);
      const after = (await readMessages(url)) as Array<{ key?: string }>;
      expect(after.some((m) => m.key === "j8")).toBe(false);
    } finally {
      db.close();
    }
  });

  // The official 0.3.1 fails here (see StreamDBImpl.resets): kept as an expected failure.
  (impl.resets ? it : it.fails)(
    "reset empties and refills the collections, never showing them empty or half-filled",
    async () => {
      const url = await seededStream("db-reset");
      const db = lib.createStreamDB({ streamOptions: { url }, state: schema });
      const sizes: number[] = [];
      try {
        await db.preload();
        const jobs = db.collections.jobs;
        const subscription = jobs.subscribeChanges(() => sizes.push(jobs.size));
        await appendMessages(url, [
          { headers: { control: "reset" } },
          { headers: { control: "snapshot-start" } },
          schema.jobs.insert({ value: job("j1", "closed", "o1", 1) }),
          schema.jobs.insert({ value: job("j9", "open", "o2", 9) }),
          // Enough rows that applying them takes several slices.
          ...Array.from({ length: 598 }, (_, i) =>
            schema.jobs.insert({ value: job(`k${i}`, "filled", "o2", i) }),
          ),
          schema.owners.insert({ value: { id: "o2", name: "Grace H." } }),
          { headers: { control: "snapshot-end" } },
        ]);
        await vi.waitFor(
          () => {
            expect(jobs.size).toBe(600);
            expect(jobs.get("j1")).toMatchObject(job("j1", "closed", "o1", 1));
            expect(jobs.has("j2")).toBe(false);
            expect(plain(db.collections.owners.values())).toEqual([{ id: "o2", name: "Grace H." }]);
          },
          { ...settle, timeout: impl.resets ? settle.timeout : 2000 },
        );
        subscription.unsubscribe();
        // Readers saw the 3 jobs before, then the 600 after: nothing in between.
        expect(sizes.length).toBeGreaterThan(0);
        expect(sizes.filter((n) => n !== 3 && n !== 600)).toEqual([]);
        // The stream goes on after the reset.
        await appendMessages(url, [schema.jobs.delete({ key: "j1" })]);
        await vi.waitFor(() => expect(jobs.has("j1")).toBe(false), settle);
        expect(jobs.size).toBe(599);
      } finally {
        db.close();
      }
    },
  );
});
