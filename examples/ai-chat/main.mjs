// One command: `node examples/ai-chat/main.mjs`, then open the printed URL.
// Streams go to DURABLE_STREAMS_URL when set, otherwise to a durastream server
// started for the run (in memory). The model is a mock unless OPENAI_API_KEY is
// set (OPENAI_BASE_URL for another OpenAI-compatible provider, OPENAI_MODEL for
// the model). `--smoke` runs one turn and exits.
import { streamRoot } from "../server.mjs";
import { startChatApp } from "./app.mjs";
import { chooseAdapter } from "./model.mjs";

const smoke = process.argv.includes("--smoke");
const streams = await streamRoot();
const { adapter, name } = await chooseAdapter(
  smoke ? { AI_CHAT_TOKEN_MS: "5", ...process.env } : process.env,
);
const app = await startChatApp({
  streamsRoot: streams.root,
  adapter,
  port: smoke ? 0 : Number(process.env.PORT ?? 3000),
});

if (smoke) {
  const { id } = await (await fetch(`${app.url}/api/chats`, { method: "POST" })).json();
  const chat = await (await fetch(`${app.url}/api/chats/${id}`)).json();
  const messages = [{ id: "u1", role: "user", parts: [{ type: "text", content: "hello" }] }];
  await fetch(`${app.url}/api/chats/${id}/messages`, {
    method: "POST",
    body: JSON.stringify({ messages }),
  });
  // Read the session stream until the run ends.
  let offset = "-1";
  let answer = "";
  for (let done = false; !done; ) {
    const response = await fetch(`${chat.streamUrl}?offset=${offset}&live=long-poll`);
    offset = response.headers.get("Stream-Next-Offset");
    if (response.status !== 200) continue;
    for (const chunk of await response.json()) {
      if (chunk.type === "TEXT_MESSAGE_CONTENT" && chunk.model !== "client") answer += chunk.delta;
      if (chunk.type === "RUN_FINISHED") done = true;
    }
  }
  console.log(answer);
  await app.close();
  await streams.close();
} else {
  console.log(`durastream chat (${name} model) at ${app.url}`);
  const stop = async () => {
    await app.close();
    await streams.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
