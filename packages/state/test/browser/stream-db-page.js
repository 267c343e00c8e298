// The page of db-browser.test.ts, bundled with esbuild: a job board whose
// live query follows a State Protocol stream, saving its snapshot (rows and
// offset) after every batch so a reload resumes where it left off.
import {
  createLiveQueryCollection,
  createStateSchema,
  createStreamDB,
  eq,
} from "@durastream/state/db";

const params = new URLSearchParams(location.search);
const url = params.get("url");
const accept = { "~standard": { version: 1, vendor: "page", validate: (value) => ({ value }) } };
const schema = createStateSchema({ jobs: { schema: accept, type: "job", primaryKey: "id" } });
const storageKey = `board:${url}`;
const saved = params.get("resume") ? localStorage.getItem(storageKey) : null;

// The offsets this page asked the server for, in order.
window.requestedOffsets = [];
const recordingFetch = (input, init) => {
  const target = new URL(input instanceof Request ? input.url : String(input));
  window.requestedOffsets.push(target.searchParams.get("offset"));
  return fetch(input, init);
};

// Longest gap between ticks of a 5 ms timer, less its period.
window.maxStallMs = 0;
let last = performance.now();
setInterval(() => {
  const t = performance.now();
  window.maxStallMs = Math.max(window.maxStallMs, t - last - 5);
  last = t;
}, 5);

const db = createStreamDB({
  streamOptions: { url, fetch: recordingFetch },
  state: schema,
  live: params.get("live") ?? true,
  from: saved ? JSON.parse(saved) : undefined,
  onBatch: () => {
    if (params.get("save")) localStorage.setItem(storageKey, JSON.stringify(db.snapshot()));
  },
});
const open = createLiveQueryCollection((q) =>
  q.from({ job: db.collections.jobs }).where(({ job }) => eq(job.status, "open")),
);
const status = document.getElementById("status");
const render = () => {
  if (params.get("count")) {
    document.getElementById("count").textContent = String(open.size);
    return;
  }
  const ids = [...open.values()].map((job) => job.id).sort();
  document
    .getElementById("jobs")
    .replaceChildren(
      ...ids.map((id) => Object.assign(document.createElement("li"), { textContent: id })),
    );
};
open.subscribeChanges(render);
const started = performance.now();
Promise.all([open.preload(), db.preload()]).then(
  () => {
    window.loadMs = performance.now() - started;
    render();
    status.textContent = "ready";
  },
  (error) => {
    status.textContent = `error: ${error}`;
  },
);
