/**
 * The one place that asks UXP for its built-in modules. In the bundle `require` is UXP's global function (esbuild
 * leaves these names external); the test sandbox provides a `require` that serves the fake Photoshop.
 */
import type { HostModules, PhotoshopModule, UxpFs, UxpModule } from "./photoshop-api.js";

declare const require: (id: string) => unknown;

export function requireHostModules(): HostModules {
  return {
    photoshop: require("photoshop") as PhotoshopModule,
    uxp: require("uxp") as UxpModule,
    fs: require("fs") as UxpFs,
  };
}
