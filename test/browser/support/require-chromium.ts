/** `npm run test:browser` starts here: without Chromium it says in one line how to install it, and fails. */
import { existsSync } from "node:fs";
import { CHROMIUM, INSTALL_HINT } from "./chromium";

if (!existsSync(CHROMIUM)) {
  process.stderr.write(`${INSTALL_HINT}\n`);
  process.exit(1);
}
