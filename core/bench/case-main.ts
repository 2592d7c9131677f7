// Child-process entry of `sade bench`: node --import tsx core/bench/case-main.ts '<CaseSpec JSON>'
// prints one line of CaseResult JSON on stdout.
import { runCase, type CaseSpec } from "./case.js";

try {
  const result = await runCase(JSON.parse(process.argv[2] ?? "") as CaseSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
