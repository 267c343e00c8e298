/**
 * Scoped tokens on every stream route and live mode × {no token, bad
 * signature, expired, wrong scope, right scope, shared secret}: the status,
 * no stream data in refusals, and refused writes change nothing.
 */

import { signStreamToken } from "@durastream/server-core";
import { beforeAll, describe, expect, test } from "vitest";
import { streamUrl, suiteServer } from "./helpers.js";

const SECRET = "matrix-secret";
const suite = suiteServer({
  secret: SECRET,
  longPollTimeoutMs: 200,
  sseMaxConnectionMs: 300,
  registry: true,
});

type Credential = "none" | "badSignature" | "expired" | "wrongScope" | "rightScope" | "secret";
const CREDENTIALS: Credential[] = [
  "none",
  "badSignature",
  "expired",
  "wrongScope",
  "rightScope",
  "secret",
];

/** One route: the request it makes and the token scope it needs. */
interface Route {
  readonly name: string;
  /** Operation the right-scope token gets, and the path glob it covers. */
  readonly scope: { ops: ("read" | "append" | "create" | "delete")[]; paths: string[] };
  /** The scope of a token that is valid but does not cover this request. */
  readonly wrongScope: { ops: ("read" | "append" | "create" | "delete")[]; paths: string[] };
  /** Status with a right-scope token or the secret. */
  readonly ok: number;
  /** Sends the request; `n` makes per-attempt paths unique for creates and deletes. */
  send(auth: Record<string, string>, n: number): Promise<Response>;
  /** Sets up what the request acts on (with the secret), before the state snapshot. */
  prepare?(n: number): Promise<void>;
  /**
   * Text a refusal must not contain beyond the stream data (the registry and
   * the listing name streams).
   */
  readonly leaks?: readonly string[];
  /** A listing answers a token without read scope with what it may see (nothing), not 403. */
  readonly filtersOutOfScope?: boolean;
  /** Whether the route writes (refusals are checked to change nothing). */
  readonly writes: boolean;
}

const SOURCE = "rooms/1/log";
const asSecret = { authorization: `Bearer ${SECRET}` };
const SECRET_DATA = "top-secret-message";
const url = (path: string) => streamUrl(suite.server, path);

const ROUTES: Route[] = [
  {
    name: "create (PUT)",
    scope: { ops: ["create"], paths: ["rooms/*/new-*"] },
    wrongScope: { ops: ["create"], paths: ["other/**"] },
    ok: 201,
    writes: true,
    send: (auth, n) =>
      fetch(url(`rooms/1/new-${n}`), {
        method: "PUT",
        headers: { ...auth, "content-type": "text/plain" },
      }),
  },
  {
    name: "append (POST)",
    scope: { ops: ["append"], paths: ["rooms/1/**"] },
    wrongScope: { ops: ["read"], paths: ["rooms/1/**"] },
    ok: 204,
    writes: true,
    send: (auth) =>
      fetch(url(SOURCE), {
        method: "POST",
        headers: { ...auth, "content-type": "text/plain" },
        body: "x",
      }),
  },
  {
    name: "catch-up read (GET)",
    scope: { ops: ["read"], paths: ["rooms/**"] },
    wrongScope: { ops: ["read"], paths: ["rooms/2/**"] },
    ok: 200,
    writes: false,
    send: (auth) => fetch(`${url(SOURCE)}?offset=-1`, { headers: auth }),
  },
  {
    name: "HEAD",
    scope: { ops: ["read"], paths: [SOURCE] },
    wrongScope: { ops: ["append", "create", "delete"], paths: [SOURCE] },
    ok: 200,
    writes: false,
    send: (auth) => fetch(url(SOURCE), { method: "HEAD", headers: auth }),
  },
  {
    name: "long-poll read",
    scope: { ops: ["read"], paths: ["rooms/1/*"] },
    wrongScope: { ops: ["read"], paths: ["rooms/1"] },
    ok: 204,
    writes: false,
    send: (auth) => fetch(`${url(SOURCE)}?offset=now&live=long-poll`, { headers: auth }),
  },
  {
    name: "SSE read",
    scope: { ops: ["read"], paths: ["**"] },
    wrongScope: { ops: ["read"], paths: ["rooms/1/log/more"] },
    ok: 200,
    writes: false,
    send: (auth) => fetch(`${url(SOURCE)}?offset=-1&live=sse`, { headers: auth }),
  },
  {
    name: "fork (PUT Stream-Forked-From)",
    scope: { ops: ["create", "read"], paths: ["rooms/**"] },
    // May create the fork but not read its source.
    wrongScope: { ops: ["create", "read"], paths: ["rooms/1/fork-*"] },
    ok: 201,
    writes: true,
    send: (auth, n) =>
      fetch(url(`rooms/1/fork-${n}`), {
        method: "PUT",
        headers: { ...auth, "stream-forked-from": `/v1/stream/${SOURCE}` },
      }),
  },
  {
    name: "delete (DELETE)",
    scope: { ops: ["delete"], paths: ["rooms/1/doomed-*"] },
    wrongScope: { ops: ["read", "append", "create"], paths: ["**"] },
    ok: 204,
    writes: true,
    prepare: async (n) => {
      await fetch(url(`rooms/1/doomed-${n}`), { method: "PUT", headers: asSecret });
    },
    send: (auth, n) => fetch(url(`rooms/1/doomed-${n}`), { method: "DELETE", headers: auth }),
  },
  {
    name: "close (POST Stream-Closed)",
    scope: { ops: ["append"], paths: ["rooms/1/closable-*"] },
    wrongScope: { ops: ["read", "create", "delete"], paths: ["rooms/1/closable-*"] },
    ok: 204,
    writes: true,
    prepare: async (n) => {
      await fetch(url(`rooms/1/closable-${n}`), { method: "PUT", headers: asSecret });
    },
    send: (auth, n) =>
      fetch(url(`rooms/1/closable-${n}`), {
        method: "POST",
        headers: { ...auth, "stream-closed": "true" },
      }),
  },
  {
    name: "registry catch-up read (__ds/registry)",
    scope: { ops: ["read"], paths: ["__ds/registry"] },
    wrongScope: { ops: ["read"], paths: ["rooms/**"] },
    ok: 200,
    writes: false,
    leaks: [SOURCE],
    send: (auth) => fetch(`${url("__ds/registry")}?offset=-1`, { headers: auth }),
  },
  {
    name: "registry SSE read (__ds/registry)",
    scope: { ops: ["read"], paths: ["__ds/*"] },
    wrongScope: { ops: ["append", "create", "delete"], paths: ["**"] },
    ok: 200,
    writes: false,
    leaks: [SOURCE],
    send: (auth) => fetch(`${url("__ds/registry")}?offset=-1&live=sse`, { headers: auth }),
  },
  {
    name: "listing (__ds/streams)",
    scope: { ops: ["read"], paths: ["rooms/**"] },
    wrongScope: { ops: ["read"], paths: ["other/**"] },
    ok: 200,
    writes: false,
    leaks: [SOURCE],
    filtersOutOfScope: true,
    send: (auth) => fetch(url("__ds/streams"), { headers: auth }),
  },
];

async function credentialHeaders(
  credential: Credential,
  route: Route,
): Promise<Record<string, string>> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  switch (credential) {
    case "none":
      return {};
    case "secret":
      return asSecret;
    case "badSignature":
      return bearer(await signStreamToken("not-the-secret", { ...route.scope, ttlSeconds: 3600 }));
    case "expired":
      return bearer(
        await signStreamToken(SECRET, {
          ...route.scope,
          ttlSeconds: 60,
          now: Date.now() - 3_600_000,
        }),
      );
    case "wrongScope":
      return bearer(await signStreamToken(SECRET, { ...route.wrongScope, ttlSeconds: 3600 }));
    case "rightScope":
      return bearer(await signStreamToken(SECRET, { ...route.scope, ttlSeconds: 3600 }));
  }
}

const EXPECTED: Record<Credential, { status: number | "ok"; code?: string }> = {
  none: { status: 401, code: "UNAUTHORIZED" },
  badSignature: { status: 401, code: "UNAUTHORIZED" },
  expired: { status: 401, code: "TOKEN_EXPIRED" },
  wrongScope: { status: 403, code: "FORBIDDEN" },
  rightScope: { status: "ok" },
  secret: { status: "ok" },
};

/** Everything a reader with the secret can see: listing is not on this branch, so probe the paths. */
async function snapshot(n: number): Promise<string> {
  const probe = async (path: string) => {
    const res = await fetch(`${url(path)}?offset=-1`, { headers: asSecret });
    return `${path}:${res.status}:${res.headers.get("stream-next-offset")}:${res.headers.get("stream-closed")}:${await res.text()}`;
  };
  return (
    await Promise.all(
      [
        SOURCE,
        `rooms/1/new-${n}`,
        `rooms/1/fork-${n}`,
        `rooms/1/doomed-${n}`,
        `rooms/1/closable-${n}`,
      ].map(probe),
    )
  ).join("\n");
}

beforeAll(async () => {
  const created = await fetch(url(SOURCE), {
    method: "PUT",
    headers: { ...asSecret, "content-type": "text/plain" },
    body: SECRET_DATA,
  });
  expect(created.status).toBe(201);
});

describe("auth matrix", () => {
  let attempt = 0;
  for (const route of ROUTES) {
    for (const credential of CREDENTIALS) {
      test(`${route.name} × ${credential}`, async () => {
        const n = ++attempt;
        const auth = await credentialHeaders(credential, route);
        await route.prepare?.(n);
        const before =
          route.writes && EXPECTED[credential].status !== "ok" ? await snapshot(n) : "";
        const res = await route.send(auth, n);
        const expected = EXPECTED[credential];
        if (expected.status === "ok") {
          expect(res.status).toBe(route.ok);
          if (route.filtersOutOfScope) expect(await res.text()).toContain(SOURCE);
          else await res.body?.cancel();
          return;
        }
        if (credential === "wrongScope" && route.filtersOutOfScope) {
          expect(res.status).toBe(route.ok);
          expect(await res.json()).toEqual({ streams: [], nextCursor: null });
          return;
        }
        expect(res.status).toBe(expected.status);
        const text = await res.text();
        if (route.name !== "HEAD") {
          expect(JSON.parse(text)).toMatchObject({ error: { code: expected.code } });
        }
        expect(text).not.toContain(SECRET_DATA);
        for (const leak of route.leaks ?? []) expect(text).not.toContain(leak);
        expect(res.headers.get("stream-next-offset")).toBeNull();
        expect(res.headers.get("etag")).toBeNull();
        if (expected.status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        // Writes touch paths unique to this attempt (and the source): the same state as before.
        if (route.writes) expect(await snapshot(n)).toBe(before);
      });
    }
  }

  test("appends refused for every wrong credential left the source exactly as written", async () => {
    const read = await fetch(`${url(SOURCE)}?offset=-1`, { headers: asSecret });
    // Two successful appends (right scope, secret) of "x" each.
    expect(await read.text()).toBe(`${SECRET_DATA}xx`);
  });
});
