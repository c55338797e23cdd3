/** A request from the page that cannot be done: its HTTP status and a message for a person. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The value, or a ConsoleError with this status and message. */
export function need<T>(value: T | undefined, status: number, message: string): T {
  if (value === undefined) throw new ConsoleError(status, message);
  return value;
}
