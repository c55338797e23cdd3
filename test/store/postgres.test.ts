import { PostgresStore } from "../../src/store/postgres";
import { freshDatabase, memoryLogger } from "../support/postgres";
import { storeContract } from "./contract";

storeContract("postgres", async () => {
  const db = await freshDatabase();
  const store = await PostgresStore.open(db.url, memoryLogger().logger, { max: 4 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await db.drop();
  };
  return store;
});
