/**
 * The reserved route table's matching rules, as route files added later
 * (subscriptions, JWKS, registry) rely on them.
 */

import { describe, expect, test } from "vitest";
import {
  Access,
  type EngineRequest,
  ProtocolError,
  type ReservedCall,
  type ReservedContext,
  ReservedRouter,
} from "../src/index.js";

function request(method: string, path: string): EngineRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    header: () => null,
    body: null,
    signal: new AbortController().signal,
  };
}

const echo = ({ params }: ReservedCall) => ({
  status: 200,
  headers: {},
  body: [new TextEncoder().encode(JSON.stringify(params))],
});

const router = new ReservedRouter([
  { pattern: "subscriptions/:id", methods: { PUT: { handle: echo }, GET: { handle: echo } } },
  { pattern: "subscriptions/:id/streams/*path", methods: { DELETE: { handle: echo } } },
  { pattern: "subscriptions/:id/callback", methods: { POST: { handle: echo, auth: "self" } } },
]);

function route(method: string, path: string, authenticate: () => Access = () => Access.FULL) {
  try {
    const response = router.route({} as ReservedContext, request(method, path), "", authenticate);
    if (response instanceof Promise) throw new Error("unexpected async handler");
    const body = response.body as Uint8Array[];
    return JSON.parse(new TextDecoder().decode(body[0]));
  } catch (error) {
    if (error instanceof ProtocolError) return { status: error.status, allow: error.headers.allow };
    throw error;
  }
}

describe("reserved router", () => {
  test("binds :name to one segment and *name to the rest", () => {
    expect(route("GET", "__ds/subscriptions/sub-1")).toEqual({ id: "sub-1" });
    expect(route("DELETE", "__ds/subscriptions/s/streams/events/a/b")).toEqual({
      id: "s",
      path: "events/a/b",
    });
    expect(route("DELETE", "__ds/subscriptions/s/streams")).toEqual({ status: 400 });
    expect(route("GET", "__ds/subscriptions")).toEqual({ status: 400 });
    expect(route("GET", "__ds/subscriptions/")).toEqual({ status: 400 });
  });

  test("a wrong method is a 405 naming the allowed ones", () => {
    expect(route("POST", "__ds/subscriptions/x")).toEqual({
      status: 405,
      allow: "PUT, GET, OPTIONS",
    });
  });

  test("server authentication runs first unless the route authenticates itself", () => {
    const refuse = () => {
      throw new ProtocolError(401, "UNAUTHORIZED", "no");
    };
    expect(route("GET", "__ds/subscriptions/x", refuse)).toEqual({ status: 401 });
    expect(route("POST", "__ds/subscriptions/x", refuse)).toEqual({ status: 401 });
    expect(route("GET", "__ds/unknown", refuse)).toEqual({ status: 401 });
    expect(route("POST", "__ds/subscriptions/x/callback", refuse)).toEqual({ id: "x" });
  });

  test("patterns are checked when the table is built", () => {
    expect(() => new ReservedRouter([{ pattern: "a/*rest/b", methods: {} }])).toThrow();
    expect(() => new ReservedRouter([{ pattern: "a//b", methods: {} }])).toThrow();
  });
});
