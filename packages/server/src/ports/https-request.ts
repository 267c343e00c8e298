/**
 * `node:https`'s `request`, loaded on the first https call (a webhook or a
 * proxied upstream): `node:https` brings `node:tls`, which a server
 * restarting with many streams would otherwise compile before answering.
 */

import type { ClientRequest } from "node:http";
import { createRequire } from "node:module";

type Https = typeof import("node:https");

let https: Https | undefined;

/** Same as `request` from `node:https`. */
export const httpsRequest = ((...args: unknown[]): ClientRequest => {
  https ??= createRequire(import.meta.url)("node:https") as Https;
  return (https.request as (...rest: unknown[]) => ClientRequest)(...args);
}) as Https["request"];
