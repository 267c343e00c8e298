/**
 * The console's browser tests against the Cloudflare Worker and its Durable
 * Objects on workerd (Miniflare), the same cases as on Node (`console-cases.ts`).
 */

import { consoleCases } from "./console-cases.js";

consoleCases("worker");
