// Fork a conversation: try another answer from the middle of a chat without
// copying it.
//
//   node examples/fork-conversation.mjs
//
// A fork references its source's data up to an offset and continues on its
// own: reads return the shared history followed by the fork's messages, and
// the source is untouched.
import { DurableStream } from "@durastream/client";
import { streamRoot, uniquePath } from "./server.mjs";

const { root, close } = await streamRoot();
const base = new URL(root).pathname; // e.g. /v1/stream
const source = uniquePath("chat");
const chat = await DurableStream.create({
  url: `${root}/${source}`,
  contentType: "application/json",
});

await chat.append({ role: "user", text: "Name a good first programming language." });
await chat.append({ role: "assistant", text: "Python: readable and everywhere." });
const branchPoint = (await chat.head()).offset; // after the first exchange
await chat.append({ role: "user", text: "Why not JavaScript?" });
await chat.append({ role: "assistant", text: "It is fine too, with more quirks." });

// The fork starts from the first exchange and goes another way.
const forkPath = `${source}-alt`;
await DurableStream.create({
  url: `${root}/${forkPath}`,
  headers: { "Stream-Forked-From": `${base}/${source}`, "Stream-Fork-Offset": branchPoint },
});
const alt = await DurableStream.connect({ url: `${root}/${forkPath}` });
await alt.append({ role: "user", text: "What about for data analysis?" });
await alt.append({ role: "assistant", text: "Still Python, with pandas." });

const read = async (handle) => (await handle.stream({ offset: "-1", live: false })).json();
const original = await read(chat);
const branch = await read(alt);
const show = (title, messages) =>
  console.log(`\n${title}\n${messages.map((m) => `  ${m.role}: ${m.text}`).join("\n")}`);
show(`original (${source})`, original);
show(`fork (${forkPath}, from offset ${branchPoint})`, branch);

if (JSON.stringify(branch.slice(0, 2)) !== JSON.stringify(original.slice(0, 2))) {
  throw new Error("the fork should share the first exchange");
}
if (original.length !== 4 || branch.length !== 4) throw new Error("unexpected history");
await close();
