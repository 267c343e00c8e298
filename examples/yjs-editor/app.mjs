// The collaborative editor app: serves one page (bundled with esbuild) whose
// textarea is a Yjs document on a durastream server's /v1/yjs routes.
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));

async function bundlePage() {
  const result = await build({
    entryPoints: [join(HERE, "page.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

const page = (config) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>durastream collaborative editor</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; }
  textarea { width: 100%; height: 20rem; font: 15px ui-monospace, monospace; }
  #bar { display: flex; gap: 1rem; color: #555; margin: .5rem 0; }
</style>
</head>
<body>
<h1>Collaborative editor</h1>
<p>Open this page in two windows and type: every window converges, and a reload keeps the text.</p>
<div id="bar"><span id="status">connecting</span><span id="peers"></span></div>
<textarea id="editor" spellcheck="false"></textarea>
<script>window.EDITOR_CONFIG = ${JSON.stringify(config)};</script>
<script type="module" src="/page.js"></script>
</body>
</html>`;

/**
 * Starts the editor on `port` (0: any free port) for the document `docId`
 * of the Yjs service at `yjsBase` (e.g. `http://localhost:4437/v1/yjs/editor`).
 */
export async function startEditorApp({ yjsBase, docId = "shared", port = 0, host = "127.0.0.1" }) {
  const script = await bundlePage();
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://app");
    if (url.pathname === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" });
      res.end(script);
      return;
    }
    if (url.pathname === "/") {
      const doc = url.searchParams.get("doc") ?? docId;
      res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" });
      res.end(page({ baseUrl: yjsBase, docId: doc }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((listening) => server.listen(port, host, listening));
  return {
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((closed) => server.close(closed)),
  };
}
