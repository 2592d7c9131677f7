// comlink ships its Node adapter without a declaration under the .mjs path we import.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";
  export default function nodeEndpoint(nep: {
    postMessage(message: any, transfer?: any): void;
    on(type: string, listener: (...args: any[]) => void): unknown;
    off(type: string, listener: (...args: any[]) => void): unknown;
  }): Endpoint;
}
