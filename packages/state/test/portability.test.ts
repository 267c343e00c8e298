import { readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

const srcDir = new URL("../src/", import.meta.url);

it("product code uses no Node APIs and never imports the official packages", () => {
  const files = readdirSync(srcDir).filter((f) => f.endsWith(".ts"));
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) {
    const text = readFileSync(new URL(file, srcDir), "utf8");
    expect(text, file).not.toMatch(/from\s+["']node:/);
    expect(text, file).not.toMatch(/from\s+["']@durable-streams\//);
    expect(text, file).not.toMatch(/\brequire\(/);
    expect(text, file).not.toMatch(/\bBuffer\b/);
    // `process` only through globalThis, so browsers without it work.
    expect(
      text.replace(/g\.process|process\?\.|process\.env`|`process\.env`/g, ""),
      file,
    ).not.toMatch(/\bprocess\./);
  }
});
