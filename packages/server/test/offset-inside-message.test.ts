/**
 * An offset inside a stored message rounds down to that message's start on
 * the Node runtime, with the SQLite store (group commit included) and the
 * memory store. The suite itself is shared with the Cloudflare runtime.
 */

import { describeOffsetsInsideMessages } from "../../../test-support/offset-inside-message.js";
import { suiteServer } from "./helpers.js";

const sqlite = suiteServer();
describeOffsetsInsideMessages("SQLite", () => `${sqlite.server.url}/v1/stream`);

const memory = suiteServer({ memory: true });
describeOffsetsInsideMessages("memory", () => `${memory.server.url}/v1/stream`);
