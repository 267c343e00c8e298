/**
 * A deployment whose wrangler config has no `SUBSCRIPTIONS` binding (one
 * written before subscriptions existed, or that does not want them) serves
 * streams as before: appends report nothing to a coordinator that is not
 * there (no error per append, no retry alarms), and the subscription routes
 * say what is missing.
 */

import { afterAll, beforeAll, expect, test } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

let worker: LocalWorker;
let logged = "";

beforeAll(async () => {
  worker = await startLocalWorker({
    port: 0,
    subscriptions: false,
    stdio: (stdout, stderr) => {
      for (const stream of [stdout, stderr]) {
        stream.setEncoding("utf8");
        stream.on("data", (text: string) => {
          logged += text;
        });
      }
    },
  });
}, 60_000);

afterAll(() => worker?.close());

test("streams work and report nothing; subscription routes answer 501 SUBSCRIPTIONS_NOT_CONFIGURED", async () => {
  const url = `${worker.url}/v1/stream/no-subs/s`;
  const headers = { "content-type": "text/plain" };
  expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
  for (const part of ["a", "b", "c"]) {
    expect((await fetch(url, { method: "POST", headers, body: part })).status).toBe(204);
  }
  expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("abc");

  const subscriptions = await fetch(`${worker.url}/v1/stream/__ds/subscriptions`);
  expect(subscriptions.status).toBe(501);
  expect(((await subscriptions.json()) as { error: { code: string } }).error.code).toBe(
    "SUBSCRIPTIONS_NOT_CONFIGURED",
  );
  // A failed report would be logged as the append's answer goes out.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(logged).not.toMatch(/coordinator/);
});
