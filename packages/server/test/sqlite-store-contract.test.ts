import { storeContract } from "../../server-core/test/support/store-contract.js";
import { SqliteStore } from "../src/sqlite/sqlite-store.js";
import { tempDir } from "./helpers.js";

storeContract("SqliteStore", async () => {
  const temp = tempDir();
  let store = new SqliteStore({ dataDir: temp.dir });
  let closed = false;
  return {
    store,
    async reopen() {
      await store.close();
      store = new SqliteStore({ dataDir: temp.dir });
      return store;
    },
    async dispose() {
      if (!closed) await store.close();
      closed = true;
      temp.cleanup();
    },
  };
});
