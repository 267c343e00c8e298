// The README's client example. With a server running (`npm start`):
//   node examples/quickstart.mjs
import { DurableStream } from "@durastream/client";

// A fresh stream per run, so every run prints exactly the one message it wrote.
const url = `${process.env.DURABLE_STREAMS_URL ?? "http://localhost:4437/v1/stream"}/chat/${Date.now()}`;
const handle = await DurableStream.create({ url, contentType: "application/json" });
await handle.append({ role: "user", text: "hi" });
const res = await handle.stream({ offset: "-1", live: false });
console.log(await res.json()); // [ { role: 'user', text: 'hi' } ]
