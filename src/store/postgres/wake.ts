import pg from "pg";
import type { Logger } from "../../logger";
import { urlPassword } from "../../redact";
import { scrubbed } from "./pool";

/** The NOTIFY channel of wake-ups; NOTIFY reaches the listeners of the same database only. */
export const WAKE_CHANNEL = "feishu_task_bot_wake";
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTENs for wake-ups on a connection of its own (a pooled connection would be handed to other work and
 * closed when idle), and listens again after that connection drops, with backoff. Listeners are also called
 * once after a reconnection: a wake-up sent meanwhile was lost, and a spurious one only costs a round.
 */
export class WakeListener {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private readonly password: string;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    this.password = urlPassword(url);
  }

  /** Connects and LISTENs; rejects when the first connection fails (the store is not opened then). */
  async start(): Promise<void> {
    await this.connect();
  }

  on(listener: () => void): () => void {
    // Wrapped, so that two registrations of one function are two listeners.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error("a wake-up listener failed", { error: String(error) });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      application_name: "feishu-task-bot:wake",
    });
    client.on("notification", (message) => {
      if (message.channel === WAKE_CHANNEL) this.emit();
    });
    // Until it listens, a failure is this attempt's (the caller retries); afterwards it is a drop.
    const ignore = () => undefined;
    client.on("error", ignore);
    try {
      await client.connect();
      await client.query(`LISTEN ${WAKE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw scrubbed(error, this.password);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      if (this.closed) return;
      this.logger.warn("the PostgreSQL wake-up connection dropped; listening again soon", {
        error: error ? String(scrubbed(error, this.password)) : "connection ended",
      });
      client.end().catch(() => undefined);
      this.schedule();
    };
    client.off("error", ignore);
    client.on("error", onLost);
    client.on("end", () => onLost());
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.logger.info("listening for PostgreSQL wake-ups again");
          this.emit();
        },
        () => this.schedule(),
      );
    }, delay);
    this.timer.unref();
  }
}
