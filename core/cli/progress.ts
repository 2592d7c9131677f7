/** Progress on stderr: a bar on a terminal, a few plain lines otherwise (CI logs, pipes). */
import cliProgress from "cli-progress";

export interface Progress {
  update(fraction: number, label: string): void;
  stop(): void;
}

export function createProgress(title: string, enabled = true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${title} [{bar}] {percentage}% {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { label: "" });
    return {
      update: (f, label) => bar.update(Math.round(Math.min(1, Math.max(0, f)) * 1000), { label }),
      stop: () => bar.stop(),
    };
  }
  let lastTenth = -1;
  return {
    update(f, label) {
      const tenth = Math.floor(f * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${title}: ${Math.round(f * 100)}% ${label}\n`);
      }
    },
    stop() {},
  };
}
