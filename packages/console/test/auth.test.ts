/**
 * The console against a server that requires a bearer secret: it asks for a
 * token on the server's 401, asks again when the token is refused, works
 * once given the right one, and keeps it for the tab only.
 */

import { describe, expect, it } from "vitest";
import { DurableStream } from "../../client/src/index.js";
import { consoleSuite, pageErrors, TARGETS } from "./console-harness.js";

const SECRET = "console-test-secret";

describe.each(TARGETS)("web console with auth on, on %s (Chromium)", (target) => {
  const suite = consoleSuite(target, { secret: SECRET });

  it("asks for a token on 401 and keeps it for the tab only", async () => {
    const handle = await DurableStream.create({
      url: `${suite.root}/private/notes`,
      contentType: "application/json",
      headers: { authorization: `Bearer ${SECRET}` },
    });
    await handle.append(JSON.stringify({ secret: "kept" }));

    const page = await suite.open();
    const dialog = page.locator("#token-dialog");
    await dialog.waitFor();
    await suite.screenshot(page, "token-prompt");
    await page.getByLabel("Bearer token").fill("wrong-token");
    await page.getByRole("button", { name: "Use token" }).click();
    await dialog.getByText("refused the token").waitFor();

    await page.getByLabel("Bearer token").fill(SECRET);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator('a[data-path="private/notes"]').click();
    await page.locator("#message-rows .message-row", { hasText: "kept" }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // A reload of the tab keeps the token; another tab asks again.
    await page.reload();
    await page.locator('a[data-path="private/notes"]').waitFor();
    const other = await suite.open();
    await other.locator("#token-dialog").waitFor();
    expect(pageErrors(page)).toEqual([]);
  });
});
