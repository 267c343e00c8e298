/**
 * SSRF rules for webhook URLs (Sections 6.2, 12.8): https only; plain http
 * only to `localhost` / `127.0.0.x` under the explicit development setting;
 * private, loopback, link-local, metadata and other non-public addresses
 * refused for IPv4 and IPv6. `addressProblem` is also what a runtime applies
 * to the addresses a host name resolves to at delivery time (DNS rebinding).
 */

/** Why a webhook URL is refused at subscription time, or null when it is acceptable. */
export function webhookUrlProblem(raw: string, allowLocalhost: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "webhook.url is not a valid absolute URL";
  }
  if (url.username !== "" || url.password !== "") {
    return "webhook.url must not carry credentials";
  }
  const host = url.hostname.toLowerCase();
  const devHost = isDevelopmentHost(host);
  if (url.protocol === "http:") {
    if (!devHost) return "webhook.url must use https";
    if (!allowLocalhost) {
      return "http webhooks to localhost are only allowed with --allow-localhost-webhooks";
    }
    return null;
  }
  if (url.protocol !== "https:") return "webhook.url must use https";
  if (devHost) {
    return allowLocalhost
      ? null
      : "localhost webhooks are only allowed with --allow-localhost-webhooks";
  }
  if (isLocalName(host)) return `webhook host ${host} is a local network name`;
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIpLiteral(literal)) {
    const problem = addressProblem(literal, false);
    if (problem) return problem;
  }
  return null;
}

/** `localhost` and `127.0.0.x`: the development exception of Section 6.2. */
export function isDevelopmentHost(host: string): boolean {
  return host === "localhost" || /^127\.0\.0\.\d{1,3}$/.test(host);
}

function isLocalName(host: string): boolean {
  return (
    host.endsWith(".localhost") ||
    host.endsWith(".local") ||
    host.endsWith(".internal") ||
    host.endsWith(".localdomain") ||
    !host.includes(".")
  );
}

function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== null || host.includes(":");
}

/**
 * Why delivering to `address` (an IPv4 or IPv6 literal) is refused, or null.
 * `allowLoopback` admits 127.0.0.x and ::1 (the development exception).
 */
export function addressProblem(address: string, allowLoopback: boolean): string | null {
  const v4 = parseIpv4(address);
  if (v4 !== null) return ipv4Problem(v4, allowLoopback);
  const v6 = parseIpv6(address);
  if (v6 === null) return `webhook address ${address} is not an IP address`;
  return ipv6Problem(v6, allowLoopback, address);
}

function ipv4Problem(ip: number[], allowLoopback: boolean): string | null {
  const [a, b, c] = ip as [number, number, number, number];
  const text = ip.join(".");
  if (a === 127) {
    return allowLoopback && b === 0 && c === 0 ? null : `webhook address ${text} is loopback`;
  }
  if (a === 169 && b === 254) return `webhook address ${text} is link-local (cloud metadata)`;
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
    return `webhook address ${text} is private (RFC 1918)`;
  }
  if (
    a === 0 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224
  ) {
    return `webhook address ${text} is not a public unicast address`;
  }
  return null;
}

function ipv6Problem(ip: number[], allowLoopback: boolean, text: string): string | null {
  const first = ip[0]!;
  const zeroUntil = (n: number) => ip.slice(0, n).every((group) => group === 0);
  if (zeroUntil(7) && ip[7] === 1) {
    return allowLoopback ? null : `webhook address ${text} is loopback`;
  }
  if (zeroUntil(8)) return `webhook address ${text} is unspecified`;
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64
  // (64:ff9b::a.b.c.d) addresses reach the embedded IPv4 address.
  const mapped = zeroUntil(5) && (ip[5] === 0xffff || ip[5] === 0);
  const nat64 = first === 0x64 && ip[1] === 0xff9b && ip.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) {
    const v4 = [ip[6]! >> 8, ip[6]! & 0xff, ip[7]! >> 8, ip[7]! & 0xff];
    return ipv4Problem(v4, allowLoopback);
  }
  if ((first & 0xfe00) === 0xfc00) return `webhook address ${text} is unique-local (private)`;
  if ((first & 0xffc0) === 0xfe80) return `webhook address ${text} is link-local`;
  if ((first & 0xffc0) === 0xfec0) return `webhook address ${text} is site-local`;
  if ((first & 0xff00) === 0xff00) return `webhook address ${text} is multicast`;
  if (first === 0x2001 && ip[1] === 0x0db8) return `webhook address ${text} is for documentation`;
  if (first === 0x0100 && ip.slice(1, 4).every((g) => g === 0)) {
    return `webhook address ${text} is a discard prefix`;
  }
  return null;
}

/** Dotted-quad IPv4 as four octets, or null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** IPv6 text (with `::` and an optional trailing dotted quad) as eight 16-bit groups, or null. */
function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf("%");
  const address = zone === -1 ? text : text.slice(0, zone);
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string): number[] | null => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
      groups.push(Number.parseInt(part, 16));
    }
    return groups;
  };
  const head = parse(halves[0]!);
  if (head === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const tail = parse(halves[1]!);
  if (tail === null || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
