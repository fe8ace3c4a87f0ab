// Bundle each widget's front end (js/src/<name>.ts + the CSS it imports) into talkwidgets/static/<name>.{js,css}.
// The widget list lives in widgets.json (the hatch build hook reads it too); add a name there to add a widget.
// Usage: node build.mjs [--watch] [--sourcemap]

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const widgets = JSON.parse(readFileSync(resolve(here, "widgets.json"), "utf8"));
const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: widgets.map((name) => ({ in: resolve(here, "src", `${name}.ts`), out: name })),
  outdir: resolve(here, "..", "talkwidgets", "static"),
  bundle: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: !watch,
  sourcemap: watch || process.argv.includes("--sourcemap") ? "inline" : false,
  legalComments: "none",
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
