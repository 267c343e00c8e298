/**
 * A large stream stays responsive: materializing 100,000 State Protocol events
 * into collections (with a live query attached) never stalls the event loop
 * for more than 50 ms at a time. The stall is measured with a 5 ms interval
 * timer (see db-stall.ts); the server runs in a child process.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createLiveQueryCollection, createStateSchema, createStreamDB, eq } from "../src/db.js";
import {
  appendMessages,
  boardCollections,
  boardEvents,
  createJsonStream,
  EVENTS,
} from "./db-fixtures.js";
import { measureStall, startServerProcess } from "./db-stall.js";
import { uniquePath } from "./servers.js";

const MAX_STALL_MS = 50;
const schema = createStateSchema(boardCollections);

let nodeEnv: string | undefined;
beforeEach(() => {
  nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
});
afterEach(() => {
  process.env.NODE_ENV = nodeEnv;
});

let server!: Awaited<ReturnType<typeof startServerProcess>>;
let url = "";
beforeAll(async () => {
  server = await startServerProcess();
  url = `${server.base}${uniquePath("db-scale")}`;
  await createJsonStream(url);
  const events = boardEvents(EVENTS);
  for (let i = 0; i < events.length; i += 5000)
    await appendMessages(url, events.slice(i, i + 5000));
}, 120_000);
afterAll(async () => {
  await server?.close();
});

it(`materializes ${EVENTS} events and answers a live query without stalling the event loop over ${MAX_STALL_MS} ms`, async () => {
  const expected = new Map<string, { status: string }>();
  for (const event of boardEvents(EVENTS) as Array<{
    type: string;
    key: string;
    value?: { status: string };
    headers: { operation: string };
  }>) {
    if (event.type !== "job") continue;
    if (event.headers.operation === "delete") expected.delete(event.key);
    else expected.set(event.key, event.value!);
  }
  const expectedOpen = [...expected.values()].filter((j) => j.status === "open").length;

  const db = createStreamDB({ streamOptions: { url }, state: schema, live: false });
  const open = createLiveQueryCollection((q) =>
    q.from({ job: db.collections.jobs }).where(({ job }) => eq(job.status, "open")),
  );
  try {
    const stall = await measureStall(async () => {
      // The live query is attached first (as a mounted view would be) and
      // follows the collection as it fills.
      await Promise.all([open.preload(), db.preload()]);
    });
    console.log(
      `${EVENTS} events: longest stall ${stall.maxStallMs.toFixed(1)} ms (gaps: ${stall.maxCpuStallMs.toFixed(1)} ms of CPU, ${stall.maxWallStallMs.toFixed(1)} ms wall at most)`,
    );
    expect(db.collections.jobs.size).toBe(expected.size);
    expect(db.collections.owners.size).toBe(100);
    expect(open.size).toBe(expectedOpen);
    expect(stall.maxStallMs).toBeLessThan(MAX_STALL_MS);
  } finally {
    db.close();
  }
}, 120_000);
