/**
 * What the proxy protocol suite (`proxy-suite.ts`) needs of a runtime: the
 * settings every target runs with, and the target's handle.
 */

import { SECRET } from "./proxy-client.js";

/** Key of the proxy's signed URLs on every target. */
export const SIGNING_KEY = "proxy-suite-signing-key-0123456789";
/** `maxResponseBytes` of the main proxy. */
export const MAX_RESPONSE = 1024 * 1024;

/**
 * The settings every target runs with. Main proxy: `secret`, `signingKey`,
 * header timeout 10 s, idle and duration 30 s (generous: a loaded machine
 * must not turn ordinary tests into timeouts), `maxResponseBytes`. Tight
 * proxy: the same secret, header timeout 300 ms, idle 1 s, duration 2 s,
 * request bodies up to 1000 bytes. Both allow `upstream` (and loopback).
 */
export const TARGET_SETTINGS = {
  secret: SECRET,
  signingKey: SIGNING_KEY,
  main: {
    headerTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    maxDurationMs: 30_000,
    maxResponseBytes: MAX_RESPONSE,
  },
  tight: {
    headerTimeoutMs: 300,
    idleTimeoutMs: 1_000,
    maxDurationMs: 2_000,
    maxRequestBytes: 1_000,
  },
} as const;

/** A runtime serving the proxy, started for one suite. */
export interface ProxyTarget {
  /** The main proxy's URL (`…/v1/proxy`). */
  readonly proxyUrl: string;
  /** The tight proxy's URL. */
  readonly tightUrl: string;
  /** How many proxy streams the main proxy's storage holds. */
  proxyStreamCount(): Promise<number>;
  /** Every file the main proxy stored data in. */
  storedFiles(): string[];
  /** Everything the main proxy logged so far. */
  logs(): string;
  close(): Promise<void>;
}
