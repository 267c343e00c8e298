/**
 * The outbound HTTP port of webhook delivery. A runtime that can resolve
 * names supplies a sender that checks the addresses it connects to
 * (`addressProblem`) at connection time, so a host name that re-resolves to a
 * private address after validation (DNS rebinding) is still refused.
 */

import { addressProblem, isDevelopmentHost, webhookUrlProblem } from "./webhook-url.js";

/** What the receiver answered. */
export interface WebhookReply {
  readonly status: number;
  /** The response body, cut at the sender's limit. */
  readonly body: Uint8Array;
}

/** Sends one webhook request. Rejects on network errors, refused addresses and timeouts. */
export interface WebhookSender {
  post(
    url: string,
    headers: Record<string, string>,
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<WebhookReply>;
}

/** Largest webhook reply body read (only `{"done":true}` matters). */
export const MAX_REPLY_BYTES = 64 * 1024;

/**
 * A sender over the global `fetch`, for runtimes without name resolution: it
 * re-checks the URL and any IP literal at delivery time and never follows
 * redirects (a redirect could point anywhere).
 */
export function fetchWebhookSender(allowLocalhost: boolean): WebhookSender {
  return {
    async post(url, headers, body, signal) {
      const problem = webhookUrlProblem(url, allowLocalhost);
      if (problem) throw new Error(problem);
      const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
      if (!isDevelopmentHost(host) && /^[\d.]+$|:/.test(host)) {
        const refused = addressProblem(host, false);
        if (refused) throw new Error(refused);
      }
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        signal,
        redirect: "manual",
      });
      return { status: response.status, body: await readLimited(response) };
    },
  };
}

async function readLimited(response: Response): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
    if (total >= MAX_REPLY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  const out = new Uint8Array(Math.min(total, MAX_REPLY_BYTES));
  let at = 0;
  for (const part of parts) {
    const take = Math.min(part.length, out.length - at);
    out.set(part.subarray(0, take), at);
    at += take;
  }
  return out;
}
