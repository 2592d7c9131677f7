import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// A few iterations of every training stage at tiny width, from this checkout, then ONNX export against the
// contract in models/models.json: the recipes must run from a clean clone.
const work = mkdtempSync(join(tmpdir(), "sade-train-"));
const py = torchPython();
const contract = JSON.parse(readFileSync(join(REPO, "models", "models.json"), "utf8")).models;

function run(args: string[]): string {
  return execFileSync(py, ["-m", ...args], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A Python snippet (one line per entry) run with the recipe's torch; what it prints is JSON. */
function pyJson(lines: string[], ...args: string[]) {
  return JSON.parse(execFileSync(py, ["-c", lines.join("\n"), ...args], { cwd: REPO, encoding: "utf8" }));
}

/** Python lines loading two checkpoints' weights (argv 1 and 2) as a and b, and diff(prefix): did any tensor under
 * that prefix change between them. */
const COMPARE_CHECKPOINTS = [
  "import json, sys, torch",
  "a = torch.load(sys.argv[1])['model']; b = torch.load(sys.argv[2])['model']",
  "diff = lambda p: any(not torch.equal(a[k], b[k]) for k in a if k.startswith(p))",
];

function lastLog(out: string): Record<string, unknown> {
  const rows = out.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  return rows[rows.length - 1];
}

async function checkContract(file: string, id: "parser" | "restorer") {
  const session = await ort.InferenceSession.create(file);
  expect(session.inputNames).toEqual(Object.keys(contract[id].inputs));
  expect(session.outputNames).toEqual(Object.keys(contract[id].outputs));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, spec] of Object.entries<{ shape: number[] }>(contract[id].inputs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor("float32", new Float32Array(n).fill(name === "seg" ? 1 / 19 : 0.5), spec.shape);
  }
  const out = await session.run(feeds);
  for (const [name, spec] of Object.entries<{ shape: number[]; type: string }>(contract[id].outputs)) {
    expect(out[name].dims).toEqual(spec.shape);
    expect(out[name].type).toBe(spec.type);
  }
  return out;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("training recipes (smoke, tiny width)", () => {
  it("trains and exports the parser", async () => {
    const out = run(["training.parser.train", "--config", "training/configs/parser-smoke.json", "--run-dir", join(work, "parser")]);
    const done = lastLog(out);
    expect(done.event).toBe("done");
    expect(done.iter).toBe(3);
    run(["training.parser.export", "--checkpoint", join(work, "parser", "last.pt"), "--out", join(work, "parser.onnx")]);
    const res = await checkContract(join(work, "parser.onnx"), "parser");
    const probs = res.probs.data as Float32Array;
    // Softmax over 19 classes at every position.
    let sum = 0;
    for (let c = 0; c < 19; c++) sum += probs[c * 128 * 128];
    expect(sum).toBeCloseTo(1, 4);
  });

  it("carries that parser into the full-resolution detail path (v2) and trains on from it", async () => {
    const out = run([
      "training.parser.train", "--config", "training/configs/parser-smoke.json", "--run-dir", join(work, "parser-v2"),
      "--set", "model.detail_stride2=true", "model.detail_extra=4", `train.init_checkpoint=${join(work, "parser", "last.pt")}`,
    ]);
    expect(out).toContain('"event": "init"');
    expect(lastLog(out).event).toBe("done");
    run(["training.parser.export", "--checkpoint", join(work, "parser-v2", "last.pt"), "--out", join(work, "parser-v2.onnx")]);
    await checkContract(join(work, "parser-v2.onnx"), "parser");
    // v3: a wider last decoder stage carried from v2, the cross-entropy at the labels' resolution; the export is
    // flip-averaged.
    const v3 = run([
      "training.parser.train", "--config", "training/configs/parser-smoke.json", "--run-dir", join(work, "parser-v3"),
      "--set", "model.detail_stride2=true", "model.detail_extra=4", "model.head_width=24", "train.full_res_loss=true",
      `train.init_checkpoint=${join(work, "parser-v2", "last.pt")}`,
    ]);
    expect(v3).toContain('"event": "init"');
    expect(lastLog(v3).event).toBe("done");
    run(["training.parser.export", "--checkpoint", join(work, "parser-v3", "last.pt"), "--out", join(work, "parser-v3.onnx")]);
    await checkContract(join(work, "parser-v3.onnx"), "parser");
  });

  it("trains the VQ prior (stage 1), then the SaFM restorer (stage 2), and exports it", async () => {
    const vq = lastLog(run(["training.restorer.train", "--config", "training/configs/restorer-vq-smoke.json", "--run-dir", join(work, "vq")]));
    expect(vq.event).toBe("done");
    const out = run([
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "restorer"),
      "--set", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `prior_checkpoint=${join(work, "vq", "last.pt")}`,
    ]);
    // Every loss of the paper took part (pixel, perceptual, identity, global and ROI adversarial, Gram style), and
    // the recipe's SSIM term.
    const rows = out.split("\n").filter((l) => l.startsWith('{"iter"')).map((l) => JSON.parse(l));
    for (const key of ["l1", "lpips", "ssim", "id", "adv", "roi", "style", "d"]) expect(rows.some((r) => key in r)).toBe(true);
    // each critic's own loss beside their sum: which of them have left chance
    const judged = rows.find((r) => "d" in r);
    expect(judged.d_global + judged.d_eye + judged.d_mouth).toBeCloseTo(judged.d, 3);
    expect(lastLog(out).event).toBe("done");
    run(["training.restorer.export", "--checkpoint", join(work, "restorer", "last.pt"), "--out", join(work, "restorer.onnx")]);
    const res = await checkContract(join(work, "restorer.onnx"), "restorer");
    const y = res.output.data as Float32Array;
    expect(Math.max(...y.subarray(0, 4096))).toBeLessThanOrEqual(1);
    expect(Math.min(...y.subarray(0, 4096))).toBeGreaterThanOrEqual(-1);
    // The upsampling head, started from that restorer's weights (init_checkpoint), trains and exports too; its
    // discriminators are not carried, so they are first trained alone against its outputs (disc_warmup).
    const up = run([
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "restorer-up"),
      "--set", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `init_checkpoint=${join(work, "restorer", "last.pt")}`,
      "model.head=upconv", "train.disc_warmup=2",
    ]);
    expect(up).toContain('"event": "init"');
    expect(up).toContain('"event": "disc_warmup"');
    expect(lastLog(up).event).toBe("done");
    run(["training.restorer.export", "--checkpoint", join(work, "restorer-up", "last.pt"), "--out", join(work, "restorer-up.onnx")]);
    await checkContract(join(work, "restorer-up.onnx"), "restorer");
    // A Refine stack at 1/4 resolution and a detail stack at 256 in the head added to that model (its trained upsampling
    // head carried, not restarted; both new stacks start as the identity), trained with the detail-energy term and
    // the eye and mouth boxes' own perceptual term, and an SSIM weight piecewise linear in w through three points.
    const refined = run([
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "restorer-refine"),
      "--set", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `init_checkpoint=${join(work, "restorer-up", "last.pt")}`,
      "model.head=upconv", 'model.refine={"width": 8, "blocks": 1}', 'model.detail={"width": 8, "blocks": 1, "gain": 10}', "loss.detail=10",
      "loss.roi_lpips=1", "loss.by_fidelity.ssim=[0.0, 1.0, 3.0]",
    ]);
    expect(refined).toContain('"detail": ');
    expect(refined).toContain('"roi_lpips": ');
    expect(lastLog(refined).event).toBe("done");
    run(["training.restorer.export", "--checkpoint", join(work, "restorer-refine", "last.pt"), "--out", join(work, "restorer-refine.onnx")]);
    await checkContract(join(work, "restorer-refine.onnx"), "restorer");
    // A detail stack at 512 and the noise inputs added to that model, and only the output head fine-tuned
    // (train.trainable): the head changes, the encoder does not, and the noise strengths leave zero. A texture critic
    // of full-resolution windows and hair and skin critics of windows in the parsed hair and skin join the carried
    // discriminators: those three alone are warmed up, then train with them. The hair one is a projected critic
    // (train.projected: trained heads on the frozen SqueezeNet's first three levels).
    // The carried ones come from another run than the generator (train.init_discs as a path): restorer-up's.
    // A band gate (model.band_gate) is added and trained with the head at 5x its rate (train.lr_mult): it starts
    // removing nothing and moves.
    const fine = run([
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "restorer-512"),
      "--set", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `init_checkpoint=${join(work, "restorer-refine", "last.pt")}`,
      "model.head=upconv", 'model.refine={"width": 8, "blocks": 1}', 'model.detail={"width": 8, "blocks": 1, "gain": 10}',
      'model.detail512={"width": 4, "blocks": 1, "gain": 10}', 'model.noise={"gain": 30, "seed": 0, "init": 0.05}', "loss.detail=10",
      'model.band_gate={"sigmas": [1.0, 2.0], "gain": 10}', 'train.trainable=["decoder.out", "decoder.band_gate"]', "loss.texture=0.8", `train.init_discs=${join(work, "restorer-up", "last.pt")}`, "train.disc_warmup=2", "train.texture_crop=64",
      "train.texture_highpass=8", "train.texture_pool=2", "train.d_lr_mult=4", "train.disc_warmup_repeat=2",
      "loss.hair_roi=1", "train.hair_crop=64", "loss.skin_roi=1", "train.skin_crop=64", 'train.projected=["hair"]', "train.projected_depth=3",
      "loss.band_sigma=1.0", "loss.by_fidelity.l1_low=[1.5, 3.0, 3.0]", "loss.perceptual_high_band=true",
      `loss.low_band_teacher={"checkpoint": ${JSON.stringify(join(work, "restorer-refine", "last.pt"))}, "fidelity": 1.0}`,
      "loss.by_fidelity.teacher=[0.0, 3.0, 1.0]", "loss.texture_gram=0.3", "loss.by_fidelity.texture_gram=[1.5, 1.0, 0.0]",
      "loss.mscn=1", "loss.by_fidelity.mscn=[1.5, 1.0, 0.0]", 'train.lr_mult={"decoder.band_gate": 5}',
    ]);
    expect(fine).toContain('"event": "teacher"');
    expect(fine.split("\n").some((l) => l.startsWith('{"iter"') && JSON.parse(l).teacher > 0)).toBe(true);
    expect(fine).toContain('"l1_low": ');
    expect(fine).toContain('"event": "perceptual_view", "band": "high", "sigma": 1.0');
    expect(fine).toContain('"event": "trainable"');
    expect(fine).toContain(`"discs": ["eye", "global", "mouth"], "discs_from": ${JSON.stringify(join(work, "restorer-up", "last.pt"))}`);
    expect(fine).toContain('"event": "disc_warmup", "step": 1');
    expect(fine).toContain('"discs": ["hair", "skin", "texture"]');
    for (const key of ["texture", "hair", "skin", "texture_gram", "mscn"]) {
      expect(fine.split("\n").some((l) => l.startsWith('{"iter"') && key in JSON.parse(l))).toBe(true);
    }
    expect(lastLog(fine).event).toBe("done");
    const changed = pyJson([
      ...COMPARE_CHECKPOINTS,
      "new = lambda p: any(k.startswith(p) for k in b) and not any(k.startswith(p) for k in a)",
      "noise = [b[f'decoder.out.noise{s}.{n}'] for s in (256, 512) for n in ('strength', 'by_fidelity')]",
      "discs = sorted(torch.load(sys.argv[2])['discs'])",
      "hair = torch.load(sys.argv[2])['discs']['hair']",
      "gate = b['decoder.band_gate.gates.2.weight']",
      "groups = torch.load(sys.argv[2])['opt_g']['param_groups']",
      "print(json.dumps({'groups': [[g['lr_mult'], len(g['params'])] for g in groups],",
      "                  'encoder': diff('encoder.'), 'head': diff('decoder.out.'), 'new': new('decoder.out.detail512.') and new('decoder.out.noise512.'),",
      "                  'gate_moved': new('decoder.band_gate.') and bool(gate.abs().sum() > 0),",
      "                  'noise_moved': all(bool(t.abs().sum() > 0) for t in noise), 'map_stored': any(k.endswith('.fixed') for k in b), 'discs': discs,",
      "                  'hair_projected': all(k.startswith('heads.') for k in hair) and any(k.startswith('heads.2.') for k in hair)}))",
    ], join(work, "restorer-refine", "last.pt"), join(work, "restorer-512", "last.pt"));
    expect(changed).toEqual({
      encoder: false, head: true, new: true, gate_moved: true, noise_moved: true, map_stored: false, discs: ["eye", "global", "hair", "mouth", "skin", "texture"],
      hair_projected: true,
      // train.lr_mult: the band gate's five tensors (its norm, its 1 x 1 conv, the w term) in their own Adam group at 5x the rate
      groups: [[1, expect.any(Number)], [5, 5]],
    });
    run(["training.restorer.export", "--checkpoint", join(work, "restorer-512", "last.pt"), "--out", join(work, "restorer-512.onnx")]);
    await checkContract(join(work, "restorer-512.onnx"), "restorer");
  }, 240_000);

  it("folds a restorer's two-band fidelity into one call (stage distill): teacher frozen, student's head trained", async () => {
    const teacher = join(work, "restorer-512", "last.pt");
    const out = run([
      "training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "distill"),
      "--set", "stage=distill", `parser_checkpoint=${join(work, "parser", "last.pt")}`, `init_checkpoint=${teacher}`,
      `distill={"checkpoint": ${JSON.stringify(teacher)}, "sigma": 1.0}`, 'loss={"high": 5.0, "lpips": 1.0}', "train.lpips_crop=64",
      "model.head=upconv", 'model.refine={"width": 8, "blocks": 1}', 'model.detail={"width": 8, "blocks": 1, "gain": 10}',
      'model.detail512={"width": 4, "blocks": 1, "gain": 10}', 'model.noise={"gain": 30, "seed": 0, "init": 0.05}',
      'model.band_gate={"sigmas": [1.0, 2.0], "gain": 10}', 'train.trainable=["decoder.out"]',
    ]);
    expect(out).toContain('"event": "teacher"');
    const rows = out.split("\n").filter((l) => l.startsWith('{"iter"')).map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.l1_low + r.l1_high).toBeGreaterThan(0);
    // the perceptual term against the target runs every iteration (logged to 4 decimals: the first can round to 0)
    expect(rows.every((r) => typeof r.lpips === "number")).toBe(true);
    expect(rows.some((r) => r.lpips > 0)).toBe(true);
    expect(lastLog(out).event).toBe("done");
    const changed = pyJson([
      ...COMPARE_CHECKPOINTS,
      "print(json.dumps({'encoder': diff('encoder.'), 'head': diff('decoder.out.'), 'discs': len(torch.load(sys.argv[2])['discs'])}))",
    ], teacher, join(work, "distill", "last.pt"));
    expect(changed).toEqual({ encoder: false, head: true, discs: 0 });
    run(["training.restorer.export", "--checkpoint", join(work, "distill", "last.pt"), "--out", join(work, "distill.onnx")]);
    await checkContract(join(work, "distill.onnx"), "restorer");
  }, 120_000);

  it("builds the two-band target: each end is the teacher's own output, the default w = 1's low band under w = 0's high", () => {
    const t = pyJson([
      "import json, torch",
      "from training.restorer.train import two_band_target",
      "from training.restorer.losses import lowpass",
      "torch.manual_seed(0)",
      "A, B = torch.rand(1, 3, 64, 64) * 1.6 - 0.8, torch.rand(1, 3, 64, 64) * 1.6 - 0.8",
      "teacher = lambda lq, seg, w: w.view(-1, 1, 1, 1) * A + (1 - w.view(-1, 1, 1, 1)) * B  # A at w = 1, B at w = 0",
      "at = lambda w: two_band_target(teacher, None, None, torch.tensor([w]), 2.0)",
      "err = lambda x, y: float((x - y).abs().max())",
      "mid = at(0.5)",
      "print(json.dumps({'w0': err(at(0.0), B), 'w1': err(at(1.0), A),",
      "                  'mid_vs_A': err(mid, A), 'mid_vs_B': err(mid, B), 'mid_exact': err(mid, lowpass(A, 2.0) + B - lowpass(B, 2.0)),",
      "                  'q': err(at(0.25), lowpass(0.5 * A + 0.5 * B, 2.0) + B - lowpass(B, 2.0))}))",
    ]);
    expect(t.w0).toBeLessThan(1e-5);
    expect(t.w1).toBeLessThan(1e-5);
    expect(t.mid_exact).toBeLessThan(1e-5);
    expect(t.q).toBeLessThan(1e-5); // w 0.25: the low band at 0.5, the high band at 0
    expect(t.mid_vs_A).toBeGreaterThan(0.1);
    expect(t.mid_vs_B).toBeGreaterThan(0.1);
  });

  it("weights each face's loss by its fidelity: a line through two points, piecewise linear through more", () => {
    const weights = pyJson([
      "import json, torch",
      "from training.restorer.losses import fidelity_weight",
      "w = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])",
      "print(json.dumps({'two': fidelity_weight([0.5, 2.0], w).tolist(), 'three': fidelity_weight([0.0, 2.0, 6.0], w).tolist()}))",
    ]);
    expect(weights.two).toEqual([0.5, 0.875, 1.25, 1.625, 2.0]);
    expect(weights.three).toEqual([0, 1, 2, 4, 6]);
  });

  it("splits L1 into bands: an offset is all low band, a pixel checkerboard high band, sigma scaled to the face size", () => {
    const bands = pyJson([
      "import json, torch",
      "from training.restorer.losses import band_l1",
      "torch.manual_seed(0)",
      "out = {}",
      "for size in (512, 256):",
      "    gt = torch.rand(2, 3, size, size) * 2 - 1",
      "    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')",
      "    checker = ((yy + xx) % 2 * 2 - 1).float() * 0.1",
      "    out[size] = {'same': [float(t) for t in band_l1(gt, gt, 1.0)], 'offset': [float(t) for t in band_l1(gt + 0.1, gt, 1.0)],",
      "                 'checker': [float(t) for t in band_l1(gt + checker, gt, 1.0)],",
      "                 'weighted': [float(t) for t in band_l1(gt + 0.1, gt, 1.0, torch.tensor([0.0, 2.0]), torch.tensor([1.0, 1.0]))]}",
      "print(json.dumps(out))",
    ]);
    for (const size of ["512", "256"]) {
      const b = bands[size];
      expect(b.same[0]).toBeLessThan(1e-6);
      expect(b.same[1]).toBeLessThan(1e-6);
      expect(b.offset[0]).toBeCloseTo(0.1, 4);
      expect(b.offset[1]).toBeLessThan(1e-4);
      expect(b.checker[1]).toBeGreaterThan(0.06);
      expect(b.weighted[0]).toBeCloseTo(0.1, 4); // per-face weights 0 and 2, averaged over the batch
    }
    expect(bands["512"].checker[0]).toBeLessThan(1e-4);
    // sigma is in pixels of a 512 face: on a 256 face the split is half as wide, so more of the checkerboard is low band
    expect(bands["256"].checker[0]).toBeGreaterThan(100 * bands["512"].checker[0]);
  });

  it("draws the hair critic's windows in the parsed hair, the same ones again for the same seed, anywhere on a face without hair", () => {
    const w = pyJson([
      "import json, torch",
      "from training.restorer.losses import region_windows",
      "probs = torch.zeros(2, 19, 128, 128)",
      "probs[:, 1] = 1.0",
      "probs[0, 13, :32, :32], probs[0, 1, :32, :32] = 1.0, 0.0  # face 0: hair in the top-left 128 x 128 pixels only",
      "yy, xx = torch.meshgrid(torch.arange(512.0), torch.arange(512.0), indexing='ij')",
      "x = torch.stack([yy, xx, yy * 0]).expand(2, 3, 512, 512)  # each pixel holds its own coordinates",
      "win = lambda seed: region_windows(x, probs, [13], 128, 64, torch.Generator().manual_seed(seed))",
      "a, b, c = win(1), win(1), win(2)",
      "corners = a[:, :2, 0, 0].view(64, 2, 2)  # window k of face n at row k * 2 + n",
      "print(json.dumps({'shape': list(a.shape), 'same': bool(torch.equal(a, b)), 'other': bool(not torch.equal(a, c)),",
      "                  'hair_max': float(corners[:, 0].max()), 'bald_max': float(corners[:, 1].max()),",
      "                  'half': list(region_windows(x[:, :, ::2, ::2], probs, [13], 128, 1, torch.Generator().manual_seed(1)).shape)}))",
    ]);
    expect(w.shape).toEqual([128, 3, 128, 128]);
    expect(w.same).toBe(true);
    expect(w.other).toBe(true);
    // Centred in the hair (rows and columns 0..127), so no window of face 0 starts below 64 ...
    expect(w.hair_max).toBeLessThanOrEqual(64);
    // ... while the face without hair gets windows from all over it (384 is the last start).
    expect(w.bald_max).toBeGreaterThan(200);
    // The size is in pixels of a 512 face: on a 256 face the windows are 64.
    expect(w.half).toEqual([2, 3, 64, 64]);
  });

  it("matches texture by cell (patch Gram of SqueezeNet features): a shifted face costs less than a blurred one, though L1 says the opposite", () => {
    const t = pyJson([
      "import json, torch",
      "from training.common.faces import read_rgb, restoration_val_images",
      "from training.common.lpips import LPIPSSqueeze",
      "from training.restorer.losses import patch_gram, texture_gram_loss, lowpass",
      "torch.manual_seed(0)",
      "f = torch.randn(2, 4, 8, 12)",
      "cell = f[1, :, 4:8, 8:12].reshape(4, 16)  # cell 5 of face 1: second row, third column of 4 x 4 cells",
      "lp = LPIPSSqueeze()",
      "img = torch.from_numpy(read_rgb(restoration_val_images()[0])).permute(2, 0, 1)[None].float() / 127.5 - 1",
      "gt = img[..., 128:384, 128:384]",
      "feats = lambda t: lp.raw_features(t, 3)",
      "loss = lambda o: float(texture_gram_loss(feats(o), feats(gt), [16, 8, 4]))",
      "l1 = lambda o: float((o - gt).abs().mean())",
      "shifted, blurred = img[..., 131:387, 131:387], lowpass(img, 1.5)[..., 128:384, 128:384]",
      "o, g = gt.clone().requires_grad_(True), gt.clone().requires_grad_(True)",
      "texture_gram_loss(feats(o + 0.05 * torch.randn_like(o)), feats(g), [16, 8, 4]).backward()",
      "print(json.dumps({'shape': list(patch_gram(f, 4).shape), 'cell_err': float((patch_gram(f, 4)[1, 5] - cell @ cell.T / 64).abs().max()),",
      "                  'same': loss(gt), 'shifted': loss(shifted), 'blurred': loss(blurred), 'l1_shifted': l1(shifted),",
      "                  'l1_blurred': l1(blurred), 'grad_out': float(o.grad.abs().mean()), 'gt_grad': g.grad is None}))",
    ]);
    expect(t.shape).toEqual([2, 6, 4, 4]); // 2 x 3 cells of 4 x 4 on an 8 x 12 map
    expect(t.cell_err).toBeLessThan(1e-6);
    expect(t.same).toBe(0);
    // The same texture 3 pixels off (a real face, ../shared val) against the texture blurred away (sigma 1.5):
    expect(t.l1_shifted).toBeGreaterThan(2 * t.l1_blurred); // L1 prefers the blur ...
    expect(t.shifted).toBeLessThan(0.7 * t.blurred); // ... the texture loss the texture, whatever its phase
    expect(t.grad_out).toBeGreaterThan(0);
    expect(t.gt_grad).toBe(true); // the ground truth's features are a fixed target
  });

  it("matches NIQE's local statistics (MSCN) by cell: the coefficients are NIQE's, a shifted face costs little, a blurred one much, white grain buys little of it back", () => {
    const t = pyJson([
      "import json, numpy as np, torch",
      "from scipy.ndimage import convolve",
      "from training.common.paths import weights_dir",
      "from training.common.faces import read_rgb, restoration_val_images",
      "from training.restorer.losses import mscn, mscn_loss, mscn_stats, lowpass",
      "torch.manual_seed(0)",
      "win = np.load(weights_dir() / 'niqe' / 'niqe_pris_params.npz')['gaussian_window']",
      "u8 = read_rgb(restoration_val_images()[0])",
      "img = torch.from_numpy(u8).permute(2, 0, 1)[None].float() / 127.5 - 1",
      "# BasicSR's niqe: Y of BT.601 (unrounded here), scipy's convolve with edge replication, (Y - mu) / (sigma + 1)",
      "y = 16 + (65.481 * u8[..., 0] + 128.553 * u8[..., 1] + 24.966 * u8[..., 2]) / 255",
      "mu = convolve(y, win, mode='nearest'); sd = np.sqrt(np.abs(convolve(y * y, win, mode='nearest') - mu * mu))",
      "gt = img[..., 128:384, 128:384]",
      "shifted, blurred = img[..., 131:387, 131:387], lowpass(img, 1.5)[..., 128:384, 128:384]",
      "grain = blurred + torch.randn(1, 1, 256, 256) / 127.5  # one grey level of white luma noise",
      "o, g = blurred.clone().requires_grad_(True), gt.clone().requires_grad_(True)",
      "mscn_loss(o, g).backward()",
      "print(json.dumps({'mscn_err': float(np.abs(mscn(img)[0, 0].double().numpy() - (y - mu) / (sd + 1)).max()),",
      "                  'cells': [list(s.shape) for s in mscn_stats(gt)], 'same': float(mscn_loss(gt, gt)),",
      "                  'shifted': float(mscn_loss(shifted, gt)), 'blurred': float(mscn_loss(blurred, gt)), 'grain': float(mscn_loss(grain, gt)),",
      "                  'grad_out': float(o.grad.abs().mean()), 'gt_grad': g.grad is None}))",
    ]);
    // The variance floor under the square root (for a finite gradient on flat skin) is the only difference.
    expect(t.mscn_err).toBeLessThan(0.02);
    expect(t.cells).toEqual([[1, 10, 8, 8], [1, 10, 8, 8]]); // 10 statistics, 32 px cells at full and half size
    expect(t.same).toBe(0);
    // A val face's middle, its texture 3 px off, blurred (sigma 1.5), and blurred with white grain. Measured: 0.022,
    // 0.148, 0.120. The term asks for the true face's texture by cell, not for noise.
    expect(t.shifted).toBeLessThan(0.3 * t.blurred);
    expect(t.grain).toBeGreaterThan(0.7 * t.blurred);
    expect(t.grad_out).toBeGreaterThan(0);
    expect(t.gt_grad).toBe(true); // the ground truth's statistics are a fixed target
  });

  it("judges a frozen SqueezeNet's features with trained heads (projected critic): learns blur from a face where a plain critic has not, keeps the backbone out of its weights", () => {
    const t = pyJson([
      "import json, random, torch",
      "from training.common.faces import read_rgb, restoration_val_images",
      "from training.common.lpips import LPIPSSqueeze",
      "from training.restorer.losses import PatchDiscriminator, ProjectedDiscriminator, d_adv, lowpass",
      "from training.restorer.train import same_crop",
      "torch.manual_seed(0)",
      "lp = LPIPSSqueeze()",
      "faces = [torch.from_numpy(read_rgb(p)).permute(2, 0, 1)[None].float() / 127.5 - 1 for p in restoration_val_images()[:2]]",
      "def train(d, steps=40):",
      "    rng, opt, losses = random.Random(0), torch.optim.Adam(d.parameters(), lr=1e-3, betas=(0.5, 0.99)), []",
      "    for _ in range(steps):",
      "        real = torch.cat([same_crop(f, f, 96, rng)[0] for f in faces for _ in range(4)])",
      "        loss = d_adv(d(real)[0], d(lowpass(real, 1.5))[0])",
      "        opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())",
      "    return sum(losses[-10:]) / 10",
      "proj = ProjectedDiscriminator(lp, 3)",
      "x = (faces[0][..., :96, :96]).clone().requires_grad_(True)",
      "proj.requires_grad_(False); logits, feats = proj(x); logits.mean().backward()",
      "proj.requires_grad_(True)",
      "print(json.dumps({'keys_heads': all(k.startswith('heads.') for k in proj.state_dict()), 'n_keys': len(proj.state_dict()),",
      "                  'backbone_frozen': not any(p.requires_grad for p in lp.parameters()), 'rows': logits.shape[0],",
      "                  'feats': len(feats), 'grad_in': float(x.grad.abs().mean()),",
      "                  'projected': train(proj), 'plain': train(PatchDiscriminator())}))",
    ]);
    expect(t.keys_heads).toBe(true); // checkpoints hold the heads, not the ImageNet weights
    expect(t.n_keys).toBeGreaterThan(0);
    expect(t.backbone_frozen).toBe(true); // requires_grad_(True) on the critic (discriminator_step) leaves it frozen
    expect(t.rows).toBe(1);
    expect(t.feats).toBe(0); // nothing for the Gram style loss
    expect(t.grad_in).toBeGreaterThan(0); // the generator's gradient passes through the frozen backbone
    // Real windows of two val faces against the same windows blurred (sigma 1.5), 40 updates each; the mean loss of
    // the last 10 (chance 1.386). Measured: projected 1.17, plain (the recipe's own critic) 1.385.
    expect(t.projected).toBeLessThan(1.25);
    expect(t.plain).toBeGreaterThan(1.35);
  });

  it("gates the input's own bands (band gate): starts removing nothing, the bands add back to the input, and a gate fitted on a noisy val face removes its noise", () => {
    const t = pyJson([
      "import json, numpy as np, torch",
      "from training.common.degrade import DegradeParams, degrade",
      "from training.common.faces import read_rgb, restoration_val_images",
      "from training.restorer.model import BandGate",
      "torch.manual_seed(0)",
      "gt_u8 = read_rgb(restoration_val_images()[0])",
      "p = DegradeParams(clean=False, sigma=0.4, r=2.7, delta=14.0, q=94, brightness=0.0, contrast=1.0, saturation=1.0)",
      "lq_u8 = degrade(gt_u8, np.random.default_rng(0), p)",
      "t = lambda a: torch.from_numpy(a).permute(2, 0, 1)[None].float() / 127.5 - 1",
      "gt, x = t(gt_u8)[..., 128:384, 128:384], t(lq_u8)[..., 128:384, 128:384]",
      "g = BandGate(8, sigmas=(1.0, 2.0, 4.0), gain=10.0)",
      "h, w = torch.randn(1, 8, 64, 64), torch.full((1, 1, 1, 1), 0.5)",
      "removed = g(h, x, w)",
      "(x - removed - gt).abs().mean().backward()",
      "grad = float(g.gates[2].weight.grad.abs().sum())",
      "finer, total = x, 0",
      "for i in range(3):",
      "    c = g.blur(x, i); total = total + finer - c; finer = c",
      "with torch.no_grad():",
      "    g.gates[2].bias.fill_(0.1)",
      "    opened = float((x - g(h * 0, x, w) - g.blur(x, 2)).abs().max())",
      "    g.gates[2].bias.zero_()",
      "opt = torch.optim.Adam(g.parameters(), lr=1e-3)",
      "for _ in range(60):",
      "    loss = (x - g(h * 0, x, w) - gt).abs().mean(); opt.zero_grad(); loss.backward(); opt.step()",
      "with torch.no_grad():",
      "    fitted = float((x - g(h * 0, x, w) - gt).abs().mean()) * 127.5",
      "    gates = ((g.gates[2].bias + g.by_fidelity.view(-1) * 0.5) * 10).tolist()",
      "print(json.dumps({'start': float(removed.abs().max()), 'grad': grad, 'telescope': float((total + finer - x).abs().max()),",
      "                  'opened': opened, 'input_l1': float((x - gt).abs().mean()) * 127.5, 'fitted_l1': fitted, 'gates': gates}))",
    ]);
    expect(t.start).toBe(0); // a carried network is unchanged until the gate learns
    expect(t.grad).toBeGreaterThan(0); // and it learns from the first step (unlike a noise strength at zero)
    expect(t.telescope).toBeLessThan(1e-5); // the bands and the coarsest blur are the input again
    expect(t.opened).toBeLessThan(1e-5); // every gate at 1: only the coarsest blur of the input is left
    // The middle of a val face with the noise v38 keeps (sigma 0.4, r 2.7, 14 grey levels, as face d5b188 of val-100). 60 Adam
    // steps of the gate alone (its bias and w term; the features are zero) bring the L1 to the ground truth
    // below the input's by removing about three quarters of the two finest bands, luma and chroma. Measured: 7.24 ->
    // 6.43 grey levels, gates 0.72 / 0.78 (sigma 1 band, luma / chroma) and 0.73 / 0.77 (sigma 2).
    expect(t.fitted_l1).toBeLessThan(t.input_l1 - 0.3);
    expect(t.gates[1]).toBeGreaterThan(0.3); // the finest band's chroma goes
  });

  it("shows the perceptual terms the output's high band only: blind to a tone offset, no gradient into the low band", () => {
    const view = pyJson([
      "import json, torch",
      "from training.restorer.losses import high_band_view",
      "# sigma 4 on a 128 face: 1 pixel, as sigma 1 on a 512 one",
      "torch.manual_seed(0)",
      "gt = torch.rand(2, 3, 128, 128) * 2 - 1",
      "yy, xx = torch.meshgrid(torch.arange(128), torch.arange(128), indexing='ij')",
      "checker = ((yy + xx) % 2 * 2 - 1).float() * 0.1",
      "o = (gt + 0.3 * torch.randn_like(gt)).requires_grad_(True)",
      "g = gt.clone().requires_grad_(True)",
      "(high_band_view(o, g, 4.0) * torch.randn_like(gt)).sum().backward()",
      "print(json.dumps({'offset': float((high_band_view(gt + 0.2, gt, 4.0) - gt).abs().max()),",
      "                  'checker': float((high_band_view(gt + checker, gt, 4.0) - gt).abs().mean()),",
      "                  'grad_dc': float(o.grad.mean((2, 3)).abs().max()), 'grad_rms': float(o.grad.pow(2).mean().sqrt()),",
      "                  'gt_grad': g.grad is None}))",
    ]);
    expect(view.offset).toBeLessThan(1e-5); // a tone shift of the whole face costs nothing here: L1 and SSIM see it
    expect(view.checker).toBeGreaterThan(0.06); // a pixel-scale pattern goes through
    expect(view.grad_rms).toBeGreaterThan(0.5);
    expect(view.grad_dc).toBeLessThan(1e-4 * view.grad_rms); // no constant component (a random gradient has about 1e-2)
    expect(view.gt_grad).toBe(true);
  });

  it("refuses a band option without the setting it needs, naming both, and a projected critic the run lacks", () => {
    const attempt = (sets: string[]) => {
      try {
        run(["training.restorer.train", "--config", "training/configs/restorer-smoke.json", "--run-dir", join(work, "refused"), "--set", ...sets]);
      } catch (e) {
        return String((e as { stderr?: string }).stderr);
      }
      return "started";
    };
    expect(attempt(["loss.perceptual_high_band=true"])).toContain("loss.perceptual_high_band needs loss.band_sigma");
    // A number is the view's own split: no band_sigma needed, so this run gets past the check to the missing prior.
    const own = attempt(["loss.perceptual_high_band=2.0", "prior_checkpoint=training/runs/nonexistent-prior.pt"]);
    expect(own).toContain("nonexistent-prior.pt");
    expect(own).not.toContain("needs loss.band_sigma");
    expect(attempt(["loss.band_sigma=1.0", 'loss.low_band_teacher={"checkpoint": "x.pt"}'])).toContain(
      "loss.low_band_teacher needs loss.by_fidelity.teacher",
    );
    expect(attempt(["stage=distill", 'distill={"checkpoint": "x.pt"}'])).toContain("stage distill needs distill.checkpoint and distill.sigma");
    // a projected critic this run does not have (no hair critic without loss.hair_roi): refused, naming it
    expect(attempt(['train.projected=["global", "hair"]'])).toContain("train.projected names critics this run lacks: ['hair']");
  });

  it("trains the plain residual CNN control (L1 only, 192 px crops) and exports it to the same contract", async () => {
    const out = run(["training.restorer.train", "--config", "training/configs/restorer-control-smoke.json", "--run-dir", join(work, "control")]);
    expect(lastLog(out).event).toBe("done");
    run(["training.restorer.export", "--checkpoint", join(work, "control", "last.pt"), "--out", join(work, "control.onnx")]);
    await checkContract(join(work, "control.onnx"), "restorer");
  });
});
