#!/usr/bin/env node
// Entry point of `npx sade`: runs the TypeScript CLI through tsx (a runtime dependency), no build step needed.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../core/cli/main.ts");
process.exitCode = await main(process.argv);
