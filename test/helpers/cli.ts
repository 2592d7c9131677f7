import { Command } from "commander";

export interface CliRun {
  /** 0 on success, 1 when the action threw or commander rejected the arguments */
  code: number;
  out: string;
  err: string;
  error?: Error;
}

/**
 * Runs one command registered by `register` (e.g. registerEval) on a fresh program, in-process, capturing what it
 * prints. Independent of core/cli/main.ts so a command's tests do not depend on the other commands.
 */
export async function runCommand(register: (p: Command) => void, args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  // Set before registering: subcommands inherit the output configuration when they are created.
  const program = new Command("sade").exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  register(program);
  for (const c of program.commands) c.exitOverride();
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    await program.parseAsync(["node", "sade", ...args]);
    return { code: 0, out: out.join("\n"), err: err.join("\n") };
  } catch (e) {
    return { code: 1, out: out.join("\n"), err: err.join("\n"), error: e as Error };
  } finally {
    console.log = log;
    console.error = error;
  }
}
