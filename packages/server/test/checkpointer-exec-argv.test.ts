/**
 * The background checkpointer runs in a worker thread whose source is
 * CommonJS. A worker inherits the parent's `execArgv` unless told otherwise,
 * so a server embedded in `node --input-type=module -e …` (or started with
 * any flag that changes how source is parsed) must still checkpoint: the WAL
 * would otherwise grow until the store's hard limit forces a checkpoint on
 * the event loop.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, onTestFinished, test } from "vitest";

const CHECKPOINTER = fileURLToPath(
  new URL("../dist/sqlite/commit/checkpointer.js", import.meta.url),
);

test("a checkpoint succeeds when the process runs with --input-type=module", () => {
  const dir = mkdtempSync(join(tmpdir(), "ds-checkpointer-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const program = `
    import Database from "better-sqlite3";
    import { Checkpointer } from ${JSON.stringify(CHECKPOINTER)};
    const file = ${JSON.stringify(join(dir, "db.sqlite"))};
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("create table t (x)");
    for (let i = 0; i < 100; i++) db.prepare("insert into t values (?)").run(i);
    const checkpointer = new Checkpointer(
      file,
      (result) => { console.log(JSON.stringify(result)); checkpointer.close().then(() => process.exit(0)); },
      (error) => { console.log("error: " + error.message); process.exit(1); },
    );
    checkpointer.request();
  `;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", program], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const { log, checkpointed } = JSON.parse(result.stdout.trim()) as {
    log: number;
    checkpointed: number;
  };
  expect(log).toBeGreaterThan(0);
  expect(checkpointed).toBe(log);
});
