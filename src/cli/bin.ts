#!/usr/bin/env node
/**
 * The `typespec-workers` executable. It checks the Node version before anything else loads: the
 * TypeSpec compiler needs Node >= 22 and on older versions dies at import with a SyntaxError
 * ("fs/promises does not provide an export named 'glob'") that does not say what to do.
 */
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  process.stderr.write(
    `typespec-workers needs Node.js >= 22 (this is ${process.version}).\n` +
      "Install a newer Node, or add it to the project: `npm install --save-dev node@24`; then\n" +
      "`npx typespec-workers …` and `npm run …` use it (they put node_modules/.bin first on PATH).\n",
  );
  process.exit(1);
}
await import("./main.js");
