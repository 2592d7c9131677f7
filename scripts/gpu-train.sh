#!/usr/bin/env bash
# A lent GPU machine's whole training session in one call of the device tool (at present 15 minutes of device
# time per session, a machine's start included, at most 10 minutes a call). Stage first, here:
#   bash scripts/gpu-stage.sh
# then run on the device, carry [".gpu-carry", "node_modules/faceplugin-face-recognition-js/model/fr_feature.onnx"]:
#   bash scripts/gpu-train.sh            (timeout_s 600; about 9 minutes with the defaults below)
# and unpack here: bash scripts/gpu-unpack.sh FILES_AT.
# Two chains share the GPU and the 16 cores:
#   1. restorer-v46-gpu: all of the shipped restorer (rebuilt from models/) fine-tuned with its own recipe (v30
#      with a hair ROI critic, and v46's band gate), MAIN_MIN minutes;
#   2. stage 1 again (restorer-vq2, PRIOR_MIN minutes), then the paper's Table III ablations from that prior,
#      the four at once, ABL_MIN minutes each (the same budget each).
# A run that fails stops everything at once (so that the session's minutes go to a fix, not to the others), and
# at DEADLINE_S everything still running is stopped; either way what was checkpointed is packed into $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
py=${PY:-python3}
MAIN_MIN=${MAIN_MIN:-7}
PRIOR_MIN=${PRIOR_MIN:-3}
ABL_MIN=${ABL_MIN:-4.5}
DEADLINE_S=${DEADLINE_S:-570}
ABLATIONS=${ABLATIONS-restorer-ablation-full restorer-no-seg restorer-no-safm restorer-no-lde}
MAIN_WORKERS=${MAIN_WORKERS:-6}
ABL_WORKERS=${ABL_WORKERS:-2}
# More --set overrides per chain (a CPU rehearsal of this script uses them to shrink batches and warm-ups).
MAIN_SET=${MAIN_SET:-}
PRIOR_SET=${PRIOR_SET:-}
ABL_SET=${ABL_SET:-}
out=${OUT:?OUT must name the folder whose files come back}
export SADE_DATA=$PWD/.gpu-carry/data PYTHONUNBUFFERED=1
logs=training/runs/gpu-logs
mkdir -p "$logs" training/runs/recovered
cp .gpu-carry/runs/*.pt training/runs/recovered/ || { echo "gpu-train: .gpu-carry/runs is missing: run scripts/gpu-stage.sh here and carry .gpu-carry" >&2; exit 1; }
[ -f node_modules/faceplugin-face-recognition-js/model/fr_feature.onnx ] || { echo "gpu-train: the identity model was not carried (node_modules/faceplugin-face-recognition-js/model/fr_feature.onnx)" >&2; exit 1; }
"$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
t0=$(date +%s)

train() {  # NAME CONFIG [--set ...]: one run, its output in $logs/NAME.log and its exit status in $logs/NAME.rc
  local name=$1 config=$2
  shift 2
  "$py" -m training.restorer.train --config "$config" "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  echo "$rc" >"$logs/$name.rc"
  return "$rc"
}

train restorer-v46-gpu training/configs/restorer-v46-gpu.json --set train.minutes="$MAIN_MIN" train.workers="$MAIN_WORKERS" $MAIN_SET &
(
  train restorer-vq2 training/configs/restorer-vq2.json --set train.minutes="$PRIOR_MIN" train.workers=4 $PRIOR_SET || exit 1
  for a in $ABLATIONS; do
    train "$a" "training/configs/$a.json" --set prior_checkpoint=training/runs/restorer-vq2/last.pt \
      parser_checkpoint=training/runs/recovered/parser-v4.pt train.batch=16 train.threads=2 \
      train.workers="$ABL_WORKERS" train.small_p=0 train.max_iters=1000000 train.minutes="$ABL_MIN" $ABL_SET &
  done
  wait
) &

expected=$((2 + $(echo $ABLATIONS | wc -w)))
status=0
while :; do
  sleep 5
  failed=$(grep -lv '^0$' "$logs"/*.rc 2>/dev/null | head -n 1)
  if [ -n "$failed" ]; then
    echo "gpu-train: $(basename "$failed" .rc) failed; its log ends:" >&2
    tail -n 30 "${failed%.rc}.log" >&2
    status=1
    break
  fi
  [ "$(ls "$logs"/*.rc 2>/dev/null | wc -l)" -ge "$expected" ] && break
  if [ $(($(date +%s) - t0)) -ge "$DEADLINE_S" ]; then
    echo "gpu-train: deadline of ${DEADLINE_S}s reached; stopping what still runs (its last checkpoint is packed)" >&2
    status=2
    break
  fi
done
# Only this script's own processes (its runs and their data workers): a rehearsal must not stop other training.
kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill "$1" 2>/dev/null; }
for c in $(pgrep -P $$); do kill_tree "$c"; done
wait 2>/dev/null
echo "gpu-train: $(($(date +%s) - t0)) s of training"
for f in "$logs"/*.log; do echo "== $f"; tail -n 3 "$f"; done

# At most 8 files come back, 16 MiB each: the fine-tune in float32 (its critics apart), the prior and the
# ablations in float16 (gpu-unpack.sh makes float32 checkpoints of them again), and every run's log.
"$py" -m training.tools.gpu_carry pack "$out" --full restorer-v46-gpu --half restorer-vq2 $ABLATIONS
tar czf "$out/logs.tar.gz" "$logs" training/runs/*/log.jsonl 2>/dev/null
ls -la "$out"
exit "$status"
