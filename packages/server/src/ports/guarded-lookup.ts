/**
 * A DNS lookup for node:http(s) requests that refuses private, loopback,
 * link-local and metadata addresses (`addressProblem`) after resolution: the
 * address checked is the address connected to, on every connection, so a
 * name re-pointed at an internal address after a URL was validated (DNS
 * rebinding) is refused. Used by the webhook sender and the proxy.
 */

import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { addressProblem } from "@durastream/server-core";

/** Error code of a refused address, on the error the request emits. */
export const REFUSED_ADDRESS = "EWEBHOOKADDR";

/** A lookup refusing every address `addressProblem` names (loopback too unless allowed). */
export function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, "", 4);
        return;
      }
      const list = addresses as LookupAddress[];
      for (const { address } of list) {
        const problem = addressProblem(address, allowLoopback);
        if (problem) {
          callback(Object.assign(new Error(problem), { code: REFUSED_ADDRESS }), "", 4);
          return;
        }
      }
      if (options.all) callback(null, list as never);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * The problem with an IP-literal host (Node connects to one without a
 * lookup), or null for a name or an acceptable address.
 */
export function literalAddressProblem(host: string, allowLoopback: boolean): string | null {
  const bare = host.replace(/^\[|\]$/g, "");
  return isIP(bare) === 0 ? null : addressProblem(bare, allowLoopback);
}
