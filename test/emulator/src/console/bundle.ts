/**
 * The page's script: client/main.ts and what it imports (the card renderer included), bundled by esbuild on
 * first request and kept in memory. No build step to forget: every way of starting the console bundles the
 * code it runs. esbuild is loaded only then, so the emulator alone never pays for it.
 */
import path from "node:path";

let bundled: Promise<string> | undefined;

export function clientBundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      entryPoints: [path.join(__dirname, "client", "main.ts")],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2020",
      charset: "utf8",
      logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error("esbuild wrote nothing for the console's script");
    return file.text;
  })();
  bundled.catch(() => {
    bundled = undefined; // a failed build is tried again on the next request
  });
  return bundled;
}
