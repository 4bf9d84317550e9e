import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Generated stubs in the tests import the runtime by its package name; in-process tests run
    // it from the sources, as they run the graph builder and the SDK, so that there is one copy.
    alias: {
      "typespec-workers/runtime": fileURLToPath(new URL("src/runtime/index.ts", import.meta.url)),
      "typespec-workers/graph": fileURLToPath(new URL("src/graph/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/build-dist.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
