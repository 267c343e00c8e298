// The second page of db-browser.test.ts, bundled with esbuild: a job board
// with live queries (a filter, a join, an aggregate) and an optimistic action,
// driven by the test through `window.board`.
import {
  count,
  createLiveQueryCollection,
  createStateSchema,
  createStreamDB,
  eq,
  sum,
} from "@durastream/state/db";

const params = new URLSearchParams(location.search);
const url = params.get("url");
const accept = { "~standard": { version: 1, vendor: "page", validate: (value) => ({ value }) } };
const schema = createStateSchema({
  jobs: { schema: accept, type: "job", primaryKey: "id" },
  owners: { schema: accept, type: "owner", primaryKey: "id" },
});

const db = createStreamDB({
  streamOptions: { url, contentType: "application/json" },
  state: schema,
  live: params.get("live") ?? true,
  actions: ({ db }) => ({
    addJob: {
      onMutate: (job) => {
        db.collections.jobs.insert(job);
      },
      // Through the DB's idempotent producer, confirmed when seen in the stream.
      mutationFn: (job) => db.utils.write(schema.jobs.insert({ value: job })),
    },
  }),
});
const { jobs, owners } = db.collections;
const open = createLiveQueryCollection((q) =>
  q
    .from({ job: jobs })
    .where(({ job }) => eq(job.status, "open"))
    .select(({ job }) => ({ id: job.id, pay: job.pay })),
);
const withOwner = createLiveQueryCollection((q) =>
  q
    .from({ job: jobs })
    .join({ owner: owners }, ({ job, owner }) => eq(job.ownerId, owner.id), "inner")
    .select(({ job, owner }) => ({ id: job.id, owner: owner.name })),
);
const byStatus = createLiveQueryCollection((q) =>
  q
    .from({ job: jobs })
    .groupBy(({ job }) => job.status)
    .select(({ job }) => ({ id: job.status, jobs: count(job.id), pay: sum(job.pay) })),
);

/** Rows as plain objects (no `$…` virtual props, no `_seq`), sorted by id. */
const rows = (collection) =>
  [...collection.values()]
    .map((row) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("$") && k !== "_seq")),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

window.board = {
  view: () => ({
    open: rows(open),
    withOwner: rows(withOwner),
    byStatus: rows(byStatus),
    jobs: jobs.size,
  }),
  /** `jobs.size` after each change the collection published. */
  sizes: [],
  /** Runs the optimistic action; reports whether the row showed before any round trip. */
  async addJob(job) {
    const transaction = db.actions.addJob(job);
    const shownAtOnce = jobs.has(job.id);
    try {
      await transaction.isPersisted.promise;
      return { shownAtOnce, state: transaction.state, kept: jobs.has(job.id) };
    } catch (error) {
      return {
        shownAtOnce,
        state: transaction.state,
        error: String(error?.message ?? error),
        kept: jobs.has(job.id),
      };
    }
  },
};

const status = document.getElementById("status");
Promise.all([db.preload(), open.preload(), withOwner.preload(), byStatus.preload()]).then(
  () => {
    jobs.subscribeChanges(() => window.board.sizes.push(jobs.size));
    status.textContent = "ready";
  },
  (error) => {
    status.textContent = `error: ${error}`;
  },
);
