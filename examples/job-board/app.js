// The job board page: TanStack DB collections over the board's stream, live
// queries that redraw as the producer changes jobs, and an optimistic "take"
// action confirmed through the stream. Bundled by serve.mjs with esbuild.
import { count, createLiveQueryCollection, createStreamDB, eq, sum } from "@durastream/state/db";
import { boardSchema } from "./schema.mjs";

const { streamUrl } = window.BOARD;
const db = createStreamDB({
  streamOptions: { url: streamUrl },
  state: boardSchema,
  actions: ({ db }) => ({
    takeJob: {
      onMutate: (job) =>
        db.collections.jobs.update(job.id, (draft) => {
          draft.status = "taken";
        }),
      mutationFn: (job) =>
        db.utils.write(boardSchema.jobs.update({ value: { ...strip(job), status: "taken" } })),
    },
  }),
});
// Rows carry TanStack DB's `$…` props and StreamDB's `_seq`: keep the schema's fields.
const strip = ({ id, title, companyId, status, pay }) => ({ id, title, companyId, status, pay });

const openJobs = createLiveQueryCollection((q) =>
  q
    .from({ job: db.collections.jobs })
    .where(({ job }) => eq(job.status, "open"))
    .join(
      { company: db.collections.companies },
      ({ job, company }) => eq(job.companyId, company.id),
      "inner",
    )
    .select(({ job, company }) => ({ ...job, company: company.name })),
);
const byStatus = createLiveQueryCollection((q) =>
  q
    .from({ job: db.collections.jobs })
    .groupBy(({ job }) => job.status)
    .select(({ job }) => ({ status: job.status, jobs: count(job.id), pay: sum(job.pay) })),
);

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function render() {
  const rows = [...openJobs.values()].sort((a, b) => b.pay - a.pay);
  document.getElementById("open").replaceChildren(
    ...rows.map((job) =>
      el(
        "li",
        {},
        el("strong", { textContent: job.title }),
        ` at ${job.company}, $${job.pay}/h `,
        el("button", {
          textContent: "take",
          onclick: () => {
            const tx = db.actions.takeJob(strip(job));
            tx.isPersisted.promise.catch((error) => alert(`not taken: ${error.message}`));
          },
        }),
      ),
    ),
  );
  const stats = [...byStatus.values()].sort((a, b) => a.status.localeCompare(b.status));
  document
    .getElementById("stats")
    .replaceChildren(
      ...stats.map((s) =>
        el("li", { textContent: `${s.status}: ${s.jobs} jobs, $${s.pay}/h in total` }),
      ),
    );
  document.getElementById("offset").textContent = db.offset;
}
openJobs.subscribeChanges(render);
byStatus.subscribeChanges(render);
await Promise.all([openJobs.preload(), byStatus.preload(), db.preload()]);
document.getElementById("status").textContent = "live";
render();
