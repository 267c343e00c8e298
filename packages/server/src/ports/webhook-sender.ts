/**
 * Webhook requests over node:http / node:https whose DNS lookup refuses
 * private, loopback, link-local and metadata addresses at connection time:
 * the address checked is the address connected to, so a name re-pointed at
 * an internal address after the subscription was validated (DNS rebinding)
 * is refused at delivery. Redirects are not followed.
 */

import { request as httpRequest } from "node:http";
import { isDevelopmentHost, MAX_REPLY_BYTES, type WebhookSender } from "@durastream/server-core";
import { guardedLookup, literalAddressProblem } from "./guarded-lookup.js";
import { httpsRequest } from "./https-request.js";

/** A webhook sender that re-checks every resolved address. */
export function nodeWebhookSender(allowLocalhost: boolean): WebhookSender {
  return {
    post(url, headers, body, signal) {
      const target = new URL(url);
      const host = target.hostname.replace(/^\[|\]$/g, "");
      // The development exception covers the names the URL check admitted.
      const allowLoopback = allowLocalhost && isDevelopmentHost(host);
      // Node connects to an IP literal without a lookup: check it here.
      const problem = literalAddressProblem(host, allowLoopback);
      if (problem) return Promise.reject(new Error(problem));
      const lookup = guardedLookup(allowLoopback);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      return new Promise((resolve, reject) => {
        const req = send(
          target,
          {
            method: "POST",
            headers: { ...headers, "content-length": String(body.length) },
            lookup,
            signal,
          },
          (res) => {
            const parts: Buffer[] = [];
            let total = 0;
            res.on("data", (part: Buffer) => {
              if (total >= MAX_REPLY_BYTES) return;
              parts.push(part);
              total += part.length;
              if (total >= MAX_REPLY_BYTES) res.destroy();
            });
            const finish = () =>
              resolve({
                status: res.statusCode ?? 0,
                body: new Uint8Array(Buffer.concat(parts).subarray(0, MAX_REPLY_BYTES)),
              });
            res.on("end", finish);
            res.on("close", finish);
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
  };
}
