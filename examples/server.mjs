// Where the examples' streams live: the server at DURABLE_STREAMS_URL when it
// is set (e.g. `npm start` in another terminal, then
// DURABLE_STREAMS_URL=http://localhost:4437/v1/stream), otherwise an
// in-memory durastream server started for the run, so every example works
// on its own with one command.
import { startServer } from "@durastream/server";

/** The stream root URL, and how to stop the server this started (if any). */
export async function streamRoot() {
  const url = process.env.DURABLE_STREAMS_URL;
  if (url) return { root: url.replace(/\/+$/, ""), close: async () => {} };
  const server = await startServer({ port: 0, memory: true });
  return { root: `${server.url}/v1/stream`, close: () => server.close() };
}

/** A path nobody else uses, so examples can run repeatedly against one server. */
export function uniquePath(prefix) {
  return `${prefix}/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
