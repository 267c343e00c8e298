// A live job board in the browser, over a State Protocol stream.
//
//   node examples/job-board/serve.mjs          # then open the printed URL
//   node examples/job-board/serve.mjs --once   # start, serve the page once, stop
//
// Starts a durastream server in memory (or uses DURABLE_STREAMS_URL), bundles
// the page (app.js: createStreamDB + live queries) with esbuild, serves it,
// and runs a producer (createDurableStream) that posts, fills and re-opens
// jobs every second. Ctrl-C stops everything.
import { createServer } from "node:http";
import { createDurableStream } from "@durastream/state";
import { build } from "esbuild";
import { streamRoot, uniquePath } from "../server.mjs";
import { boardSchema } from "./schema.mjs";

const once = process.argv.includes("--once");
const { root, close } = await streamRoot();
const streamPath = `/${uniquePath("examples/job-board")}`;

const producer = createDurableStream({
  streamPath,
  schema: boardSchema,
  producerId: "job-board-example",
  baseUrl: root,
});
const companies = ["Acme", "Globex", "Initech", "Umbrella"];
for (const [i, name] of companies.entries()) producer.upsert("companies", { id: `c${i}`, name });
const titles = ["Welder", "Painter", "Roofer", "Electrician", "Plumber", "Carpenter"];
let next = 0;
const postJob = () => {
  const n = next++;
  producer.upsert("jobs", {
    id: `job-${n}`,
    title: titles[n % titles.length],
    companyId: `c${n % companies.length}`,
    status: "open",
    pay: 20 + ((n * 7) % 30),
  });
};
for (let i = 0; i < 6; i++) postJob();
await producer.flush();

// Every second: a new job, and one older job filled (or, now and then, deleted).
const tick = setInterval(() => {
  postJob();
  const old = Math.floor(Math.random() * next);
  if (old % 5 === 0) producer.delete("jobs", `job-${old}`);
  else {
    producer.upsert("jobs", {
      id: `job-${old}`,
      title: titles[old % titles.length],
      companyId: `c${old % companies.length}`,
      status: "filled",
      pay: 20 + ((old * 7) % 30),
    });
  }
}, 1000);

const bundle = await build({
  entryPoints: [new URL("./app.js", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "browser",
  write: false,
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "error",
});
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>durastream job board</title>
<style>body{font:15px system-ui;margin:2rem;max-width:44rem}li{margin:.3rem 0}button{margin-left:.5rem}</style>
</head><body>
<h1>Job board <small id="status">connecting…</small></h1>
<h2>Open jobs</h2><ul id="open"></ul>
<h2>By status</h2><ul id="stats"></ul>
<p>stream offset <code id="offset"></code></p>
<script>window.BOARD = ${JSON.stringify({ streamUrl: `${root}${streamPath}` })};</script>
<script type="module" src="/app.js"></script>
</body></html>`;
const site = createServer((req, res) => {
  if (req.url === "/app.js") {
    res.writeHead(200, { "content-type": "text/javascript" });
    res.end(bundle.outputFiles[0].contents);
  } else {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(page);
  }
});
await new Promise((listening) =>
  site.listen(Number(process.env.PORT ?? 0), "127.0.0.1", listening),
);
const url = `http://127.0.0.1:${site.address().port}/`;
console.log(`job board: ${url}  (stream ${root}${streamPath})`);

const stop = async () => {
  clearInterval(tick);
  site.close();
  await producer.close();
  await close();
};
if (once) {
  const html = await (await fetch(url)).text();
  const script = await (await fetch(`${url}app.js`)).text();
  console.log(`served the page (${html.length} bytes) and its bundle (${script.length} bytes)`);
  await stop();
} else {
  process.once("SIGINT", () => stop().then(() => process.exit(0)));
}
