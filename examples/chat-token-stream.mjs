// A chat answer streamed token by token that survives a page reload.
//
//   node examples/chat-token-stream.mjs
//
// A "model" writes tokens through an IdempotentProducer (exactly once, in
// order, batched). A "browser tab" follows the stream live and remembers the
// offset of what it has shown (as it would in localStorage). Halfway through,
// the tab reloads: it stops, then resumes from the saved offset and receives
// the rest, with nothing missing and nothing shown twice.
import { DurableStream, IdempotentProducer, stream } from "@durastream/client";
import { streamRoot, uniquePath } from "./server.mjs";

const { root, close } = await streamRoot();
const url = `${root}/${uniquePath("chat")}`;
const answer =
  "Durable streams keep every token at an offset, so a reader that goes away comes back exactly where it left off.";
const tokens = answer.split(/(?<= )/);

// The model: one message per token, closed at the end of the answer.
const handle = await DurableStream.create({ url, contentType: "application/json" });
const model = (async () => {
  const producer = new IdempotentProducer(handle, "model-1", { autoClaim: true });
  for (const token of tokens) {
    producer.append(JSON.stringify({ token }));
    await new Promise((resolve) => setTimeout(resolve, 5)); // generation time
  }
  await producer.flush();
  await handle.close(); // readers see the end of the answer
})();

// The tab: shows tokens as they come; `saved` is what it would keep in localStorage.
let shown = "";
let saved = "-1";
async function tab(stopAfter) {
  const controller = new AbortController();
  const res = await stream({ url, offset: saved, live: true, signal: controller.signal });
  let received = 0;
  await new Promise((resolve) => {
    res.subscribeJson(async (batch) => {
      for (const { token } of batch.items) shown += token;
      saved = batch.offset; // everything before it is on screen
      received += batch.items.length;
      if (batch.streamClosed) resolve();
      else if (received >= stopAfter) {
        controller.abort(); // the reload
        resolve();
      }
    });
    res.closed.then(resolve, resolve);
  });
}

await tab(Math.floor(tokens.length / 2));
console.log(`before the reload: "${shown}"`);
console.log(`saved offset: ${saved}`);
await tab(Number.POSITIVE_INFINITY);
await model;
console.log(`after the reload:  "${shown}"`);
if (shown !== answer) throw new Error("the reloaded tab lost or repeated tokens");
console.log("the whole answer arrived exactly once");
await close();
