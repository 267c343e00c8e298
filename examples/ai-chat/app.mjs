// The chat app's backend: serves the page, keeps one durable session stream
// per chat (TanStack AI chunks), runs the model into it, stops it, and forks
// a chat to regenerate an answer. Chats are kept in memory; the streams are
// durable on the streams server.
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ensureDurableChatSessionStream,
  forkDurableChatSession,
  toDurableChatSessionResponse,
} from "@durastream/tanstack-ai";
import { chat } from "@tanstack/ai";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>durastream chat</title>
<style>body{font:16px system-ui;max-width:44rem;margin:2rem auto}li{margin:.4rem 0}li[data-role=user]{color:#555}</style>
</head><body>
<h1>durastream chat</h1>
<ul id="messages"></ul>
<form id="form"><input id="prompt" size="50" placeholder="Ask something" autofocus> <button>Send</button>
<button type="button" id="stop">Stop</button> <span id="status">loading</span></form>
<h2>Branches</h2><ul id="branches"></ul>
<script type="module" src="/app.js"></script>
</body></html>`;

/** The page's script, bundled once. */
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

const textOf = (message) =>
  (message.parts ?? [])
    .map((part) => (part.type === "text" ? (part.content ?? part.text ?? "") : ""))
    .join("");

/** UI messages as the model's messages. */
const toModelMessages = (messages) =>
  messages
    .filter((m) => m.role === "user" || m.role === "assistant")
    .map((m) => ({ role: m.role, content: textOf(m) }));

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
}

function send(res, status, body, type = "application/json") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(type === "application/json" ? JSON.stringify(body) : body);
}

/**
 * Starts the app on `port` (0: any free port) over the streams server at
 * `streamsRoot` (e.g. `http://localhost:4437/v1/stream`).
 */
export async function startChatApp({ streamsRoot, adapter, port = 0, host = "127.0.0.1" }) {
  const script = await bundlePage();
  const chats = new Map();
  const running = new Map();
  const newChat = (parent = null) => {
    const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const record = { id, streamUrl: `${streamsRoot}/ai-chat/${id}`, parent, branches: [] };
    chats.set(id, record);
    return record;
  };

  /** Runs the model on `messages` into the chat's stream, echoing `newMessages` first. */
  function generate(record, messages, newMessages) {
    const controller = new AbortController();
    running.set(record.id, controller);
    return toDurableChatSessionResponse({
      stream: { writeUrl: record.streamUrl },
      newMessages,
      responseStream: chat({
        adapter,
        messages: toModelMessages(messages),
        abortController: controller,
      }),
      signal: controller.signal,
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://app");
    const route = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && url.pathname === "/") return send(res, 200, PAGE, "text/html");
    if (req.method === "GET" && url.pathname === "/app.js")
      return send(res, 200, script, "text/javascript");
    if (route[0] !== "api" || route[1] !== "chats") return send(res, 404, { error: "not found" });
    if (req.method === "POST" && route.length === 2) {
      const record = newChat();
      await ensureDurableChatSessionStream({ writeUrl: record.streamUrl });
      return send(res, 201, { id: record.id });
    }
    const record = chats.get(route[2]);
    if (!record) return send(res, 404, { error: "no such chat" });
    const action = route[3];
    if (req.method === "GET" && action === undefined) return send(res, 200, record);
    if (req.method === "POST" && action === "messages") {
      const { messages } = await readJson(req);
      const last = messages.at(-1);
      const response = await generate(record, messages, last?.role === "user" ? [last] : []);
      return send(res, response.status, "", "text/plain");
    }
    if (req.method === "POST" && action === "stop") {
      running.get(record.id)?.abort();
      return send(res, 204, "", "text/plain");
    }
    if (req.method === "POST" && action === "regenerate") {
      const { messageId } = await readJson(req);
      const branch = newChat({ id: record.id, messageId });
      const fork = await forkDurableChatSession({
        source: record.streamUrl,
        target: branch.streamUrl,
        beforeMessageId: messageId,
      });
      record.branches.push(branch.id);
      await generate(branch, fork.messages, []);
      return send(res, 201, { id: branch.id });
    }
    return send(res, 404, { error: "not found" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, { error: String(error?.message ?? error) });
    });
  });
  await new Promise((listening) => server.listen(port, host, listening));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((closed) => {
        for (const controller of running.values()) controller.abort();
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
