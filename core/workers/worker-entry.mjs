// Worker bootstrap: TypeScript through tsx's loader, so that the pool needs no build step.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
