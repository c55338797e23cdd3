import { EventEmitter } from "node:events";
import type { WakeBus } from "../roles";

/** Wake-ups of the SQLite store: one process per file, so they travel in memory. */
export class MemoryWakeBus implements WakeBus {
  private readonly wakes = new EventEmitter();

  async wake(): Promise<void> {
    this.wakes.emit("wake");
  }

  onWake(listener: () => void): () => void {
    this.wakes.on("wake", listener);
    return () => {
      this.wakes.off("wake", listener);
    };
  }
}
