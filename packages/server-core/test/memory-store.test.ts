import { MemoryStore } from "../src/index.js";
import { storeContract } from "./support/store-contract.js";

storeContract("MemoryStore", async () => {
  const store = new MemoryStore();
  return { store, dispose: () => store.close() };
});
