#!/usr/bin/env node
// The `durastream` bin link points at this committed file rather than at
// dist/, which does not exist yet right after `npm ci` on a fresh clone (npm
// skips bin links whose target is missing). It builds once if needed.
import { ensureBuilt } from "./ensure-built.js";

await ensureBuilt(new URL("../dist/bin.js", import.meta.url), "durastream");
await import("../dist/bin.js");
