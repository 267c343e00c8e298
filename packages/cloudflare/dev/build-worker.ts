/** `npm run build:worker`: writes the Worker bundle `wrangler.jsonc` deploys. */

import { BUNDLE_PATH, bundleWorker } from "./bundle.js";

await bundleWorker({ outfile: BUNDLE_PATH });
console.log(`wrote ${BUNDLE_PATH}`);
