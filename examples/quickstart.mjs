// The README's client example. With a server running (`npm start`):
//   node examples/quickstart.mjs
import { DurableStream } from "@durastream/client";

const url = `${process.env.DURABLE_STREAMS_URL ?? "http://localhost:4437/v1/stream"}/chat/44`;
const handle = await DurableStream.create({ url, contentType: "application/json" });
await handle.append({ role: "user", text: "hi" });
const res = await handle.stream({ offset: "-1", live: false });
console.log(await res.json()); // [ { role: 'user', text: 'hi' } ]
