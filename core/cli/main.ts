// The `sade` command line. One registerX(program) per file in commands/; this file only lists them.
import { Command } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerDegrade } from "./commands/degrade.js";
import { registerEval } from "./commands/eval.js";
import { registerParse } from "./commands/parse.js";
import { registerRestore } from "./commands/restore.js";

export function createProgram(): Command {
  const program = new Command("sade")
    .description("SADE: semantic-aware blind face restoration")
    .showHelpAfterError()
    .exitOverride();
  registerRestore(program);
  registerParse(program);
  registerDegrade(program);
  registerEval(program);
  registerBench(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors are printed as one clear line, not a stack trace. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith("commander.")) return e.exitCode ?? 1; // commander already printed help or the error
    console.error(`sade: ${e.message ?? String(err)}`);
    if (process.env.SADE_DEBUG) console.error(err);
    return 1;
  }
}
