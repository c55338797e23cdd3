import type { Locale } from "../cards/types";
import type { OutgoingMessage } from "../src/feishu/client";
import type { IncomingMessage } from "../src/feishu/message";
import type { Logger } from "../src/logger";
import type { Store } from "../src/store/types";

/** Everything a command handler may use. Handlers never see HTTP, headers or the SDK. */
export interface HandlerContext {
  /** The tenant the message came from ("" for a self-built app): every lookup is scoped to it. */
  tenantKey: string;
  message: IncomingMessage;
  store: Store;
  logger: Logger;
  locale: Locale;
  now: () => number;
  /**
   * Replies to the command message. `name` names the reply within this command ("help", "invalid:abc"):
   * together with the message id it makes the Feishu uuid, so a retried command never replies twice.
   */
  reply(message: OutgoingMessage, name: string): Promise<void>;
  /**
   * Asks for these tasks to be watched. The watches are created in the same transaction that marks the
   * command handled, once the handler has returned; their first check starts at once.
   */
  watch(taskIds: string[]): void;
  /** Ends a watch as "stopped by" someone: its card says so at once and no notification follows. */
  stopWatch(watchId: number, by: string): Promise<boolean>;
}
