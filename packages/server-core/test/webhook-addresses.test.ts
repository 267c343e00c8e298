/**
 * The SSRF address rules (spec 12.8) on the forms addresses take after DNS
 * resolution and URL parsing: IPv4, IPv6 with `::`, zones, IPv4-mapped and
 * NAT64 forms. The server tests cover the same rules over HTTP.
 */

import { describe, expect, it } from "vitest";
import { addressProblem } from "../src/index.js";

describe("webhook address rules", () => {
  it.each(["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2001:4860:4860::8888"])(
    "admits the public address %s",
    (address) => {
      expect(addressProblem(address, false)).toBeNull();
    },
  );

  it.each([
    ["10.0.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.1.2.3", "loopback"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "not a public"],
    ["100.64.0.1", "not a public"],
    ["224.0.0.1", "not a public"],
    ["255.255.255.255", "not a public"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00:ec2::254", "unique-local"],
    ["fc00::1", "unique-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["64:ff9b::192.168.0.1", "private"],
    ["2001:db8::1", "documentation"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(addressProblem(address, false)).toContain(reason);
  });

  it("admits loopback only under the development exception, and only 127.0.0.x", () => {
    expect(addressProblem("127.0.0.1", true)).toBeNull();
    expect(addressProblem("::1", true)).toBeNull();
    expect(addressProblem("127.0.1.1", true)).toContain("loopback");
    expect(addressProblem("10.0.0.1", true)).toContain("private");
  });

  it("refuses what is not an address", () => {
    expect(addressProblem("example.com", false)).toContain("not an IP address");
    expect(addressProblem("1:2:3:4:5:6:7:8:9", false)).toContain("not an IP address");
  });
});
