/** The card tests' fixed clock and task id (no test runner here: the screenshot script uses them too). */
export const NOW = Date.UTC(2025, 0, 15, 10, 42, 30); // 10:42:30 UTC
export const MIN = 60_000;
export const ID = "7360595374803812356";
