/** The console's browser tests against the Node server (the cases: `console-cases.ts`). */

import { consoleCases } from "./console-cases.js";

consoleCases("node");
