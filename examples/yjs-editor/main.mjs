// One command: `node examples/yjs-editor/main.mjs`, then open the printed URL in
// two windows. Documents go to DURABLE_STREAMS_URL's server when set (its
// /v1/yjs routes), otherwise to a durastream server started for the run (in
// memory). `--smoke` checks that the page is served and exits.
import { streamRoot } from "../server.mjs";
import { startEditorApp } from "./app.mjs";

const smoke = process.argv.includes("--smoke");
const streams = await streamRoot();
const yjsBase = `${new URL(streams.root).origin}/v1/yjs/editor`;
const app = await startEditorApp({ yjsBase, port: smoke ? 0 : Number(process.env.PORT ?? 3001) });

if (smoke) {
  const html = await (await fetch(app.url)).text();
  const script = await fetch(`${app.url}/page.js`);
  console.log(html.includes("textarea") && script.ok ? "editor served" : "editor missing");
  await app.close();
  await streams.close();
} else {
  console.log(`Collaborative editor: ${app.url} (documents at ${yjsBase})`);
}
