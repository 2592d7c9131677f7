import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // 2-core machines: model-heavy test files must not fight for the cores.
    fileParallelism: false,
  },
});
