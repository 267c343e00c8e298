// Rewrites the server configuration table in README.md and docs/server.md from
// the code (SERVER_SETTINGS in packages/server/src/process/settings.ts). Run after
// adding or changing a setting, once built: `npx tsc -b && node scripts/config-table.mjs`.
// packages/server/test/startup.test.ts fails while a table differs from the code.
import { readFileSync, writeFileSync } from "node:fs";
import { configurationTable } from "../packages/server/dist/index.js";

const HEADER = "| flag | environment | default | meaning |";
const table = configurationTable();
for (const file of ["README.md", "docs/server.md"]) {
  const url = new URL(`../${file}`, import.meta.url);
  const lines = readFileSync(url, "utf8").split("\n");
  const start = lines.indexOf(HEADER);
  if (start === -1) throw new Error(`${file}: no configuration table (a line "${HEADER}")`);
  let end = start;
  while (end < lines.length && lines[end].startsWith("|")) end++;
  lines.splice(start, end - start, ...table.split("\n"));
  writeFileSync(url, lines.join("\n"));
  console.log(`${file}: configuration table updated`);
}
