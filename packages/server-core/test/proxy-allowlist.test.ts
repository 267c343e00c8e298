/** The proxy's upstream allowlist globs (docs/proxy.md, "Allowlist syntax"). */

import { describe, expect, test } from "vitest";
import { parseUpstreamUrl, UpstreamAllowlist } from "../src/index.js";

const allows = (patterns: string[], url: string) => {
  const parsed = parseUpstreamUrl(url);
  return parsed !== null && new UpstreamAllowlist(patterns).allows(parsed);
};

describe("UpstreamAllowlist", () => {
  test("the documented examples allow and refuse what the table says", () => {
    const openai = ["https://api.openai.com/**"];
    expect(allows(openai, "https://api.openai.com/v1/chat/completions?x=1")).toBe(true);
    expect(allows(openai, "https://api.openai.com/")).toBe(true);
    expect(allows(openai, "http://api.openai.com/v1")).toBe(false);
    expect(allows(openai, "https://api.openai.com.evil.com/v1")).toBe(false);
    expect(allows(openai, "https://api.openai.com:8443/v1")).toBe(false);
    expect(allows(openai, "https://API.OpenAI.com/v1")).toBe(true);
    const anthropic = ["https://api.anthropic.com/v1/*"];
    expect(allows(anthropic, "https://api.anthropic.com/v1/messages")).toBe(true);
    expect(allows(anthropic, "https://api.anthropic.com/v1/messages/batches")).toBe(false);
    expect(allows(anthropic, "https://api.anthropic.com/v2/messages")).toBe(false);
    // Dot segments are resolved before matching: no escaping the allowed prefix.
    expect(allows(anthropic, "https://api.anthropic.com/v1/../admin")).toBe(false);
    expect(allows(anthropic, "https://api.anthropic.com/v1/%2e%2e/admin")).toBe(false);
    const sub = ["https://*.example.com/v1/**"];
    expect(allows(sub, "https://eu.example.com/v1/chat")).toBe(true);
    expect(allows(sub, "https://example.com/v1/chat")).toBe(false);
    expect(allows(["https://api.example.com"], "https://api.example.com/")).toBe(true);
    expect(allows(["https://api.example.com"], "https://api.example.com/x")).toBe(false);
  });

  test("an empty allowlist refuses everything; bad URLs and entries are refused", () => {
    expect(allows([], "https://api.openai.com/v1")).toBe(false);
    expect(parseUpstreamUrl("ftp://example.com/")).toBeNull();
    expect(parseUpstreamUrl("https://user:pass@api.openai.com/")).toBeNull();
    expect(parseUpstreamUrl("not a url")).toBeNull();
    expect(() => new UpstreamAllowlist(["api.openai.com/**"])).toThrow(/http/);
  });
});
