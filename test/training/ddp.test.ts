import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// The recipes under torchrun (DDP), two CPU processes over gloo: what someone with GPUs runs. Every stage must reach
// "done" with the ranks' weights still one model; a hang (ranks on different branches, each waiting for the other's
// collective) is what stage 2 did before, so each run has a deadline instead of CI's.
const work = mkdtempSync(join(tmpdir(), "sade-ddp-"));
const py = torchPython();

type Row = Record<string, unknown>;

/** Rank 0's JSON lines of a 2-process run. Debian's launcher needs --redirects/--tee given (its defaults crash it). */
function torchrun(name: string, args: string[]): Row[] {
  const out = execFileSync(
    py,
    ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--redirects", "1", "--tee", "1",
      "--log_dir", join(work, `${name}-logs`), "-m", ...args, "--run-dir", join(work, name)],
    { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 150_000, killSignal: "SIGKILL" },
  );
  return out.split("\n").filter((l) => l.startsWith("[default0]:{")).map((l) => JSON.parse(l.slice("[default0]:".length)));
}

function expectOneModel(rows: Row[], name: string) {
  const done = rows[rows.length - 1];
  expect(done.event).toBe("done");
  expect(done.ranks).toBe(2);
  // Both ranks started from rank 0's weights and applied the same averaged gradients: equal to rounding.
  expect(done.weight_spread as number).toBeLessThan(1e-9);
  expect(existsSync(join(work, name, "last.pt"))).toBe(true);
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("training recipes under torchrun (2 processes, gloo)", () => {
  it("trains the parser, the VQ prior and the SaFM restorer with every loss, as one model per stage, and resumes", () => {
    expectOneModel(torchrun("parser", ["training.parser.train", "--config", "training/configs/parser-smoke.json"]), "parser");
    // A codebook restart every other iteration: the dead codes are counted over both ranks and replaced alike.
    const vq = torchrun("vq", [
      "training.restorer.train", "--config", "training/configs/restorer-vq-smoke.json", "--set", "train.restart_every=2", "train.max_iters=4",
    ]);
    expect(vq.some((r) => typeof r.restarted === "number" && r.restarted > 0)).toBe(true);
    expectOneModel(vq, "vq");
    const stage2 = [
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json",
      "--set", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `prior_checkpoint=${join(work, "vq", "last.pt")}`,
    ];
    const restorer = torchrun("restorer", stage2);
    const iters = restorer.filter((r) => "iter" in r && !("event" in r));
    // Both kinds of iteration took place: 256 px faces (no adversarial terms) and 512 ones with the critics' update.
    expect(new Set(iters.map((r) => r.src))).toEqual(new Set(["full", "small"]));
    for (const key of ["adv", "roi", "style", "d", "id"]) expect(iters.some((r) => key in r)).toBe(true);
    expect(restorer.some((r) => r.event === "eval")).toBe(true);
    expectOneModel(restorer, "restorer");
    // Stopped runs go on where they were, under DDP too: the same run directory with a longer schedule.
    const resumed = torchrun("restorer", [...stage2, "train.max_iters=5"]);
    expect(resumed.find((r) => r.event === "resume")?.iter).toBe(3);
    expect(resumed[resumed.length - 1].iter).toBe(5);
    expectOneModel(resumed, "restorer");
  }, 600_000);
});
