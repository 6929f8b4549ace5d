#!/usr/bin/env bash
# The GPU run of issue 7 in ONE call of at most 10 minutes: benchmarks and the reference gate under
# KERAS_BACKEND=jax with mixed_bfloat16 (where the lab allows it) on an NVIDIA GPU, TensorFlow absent,
# then PyTorch's backend on the two headline workloads.
#
# What it records (under $OUT, default reports/gpu/):
#   nvidia-smi.txt     the GPU, driver and CUDA version as found
#   bench-jax.json/.txt  ResNet50 inference at batch 256/32/1, cats-dogs training step at batch 64/256,
#                      MobileNetV2 inference, Fashion MLP epoch: images/s, achieved TFLOP/s, ratios against
#                      the published anchors (Keras applications table, NVIDIA ResNet-50 v1.5) and the
#                      GPU's bf16 peak, and the issue's targets (10,000 img/s, 2,000 img/s)
#   verify-jax.json    every lab's reference in full mode under JAX: bands, throughput, time-to-band
#   bench-torch.json/.txt  the headline workloads under KERAS_BACKEND=torch (where it works)
#   gpu_check.log      everything printed (per-lab JSON lines survive a timeout)
#
# Prepare on the development machine (no GPU needed, about 10 s):
#   bash scripts/gpu_pack.sh            # builds .gpu-carry/ (git-ignored): keras/optree/namex wheels for
#                                       # Python 3.12 + an offline data root under 60 MiB (see its header)
# Run with the device tool, from the repository root, in one call:
#   run(command="bash scripts/gpu_check.sh", carry=[".gpu-carry"], timeout_s=600)
# On a self-hosted GPU runner whose Python already has Keras (no TensorFlow needed):
#   PYTHON=.venv/bin/python LABGRADE_DATA=/path/to/data bash scripts/gpu_check.sh
# Stage time limits (seconds; override by env): BENCH_S=240 VERIFY_S=200 TORCH_S=80 (520 s of stages + about 30 s of set-up, inside the 600 s a call may run).
# Smaller runs (e.g. proving the path on a CPU): BENCH_ARGS="--rounds 1 --warmup 1 --only resnet50_infer_b1"
#   VERIFY_LABS="dropout cats-dogs" VERIFY_ARGS="--quick" TORCH_ARGS="--rounds 1 --warmup 1"; SKIP_TORCH=1.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-reports/gpu}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
PY=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/labgrade-gpu.XXXXXX)
exec > >(tee -a "$LOG") 2>&1
echo "== labgrade gpu_check $(date -u +%FT%TZ) on $(hostname)"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed (no NVIDIA GPU?)"
head -15 "$OUT/nvidia-smi.txt"

if ! "$PY" -c "import keras" 2>/dev/null; then
  [ -d .gpu-carry/whl ] || { echo "no Keras and no .gpu-carry/whl: run scripts/gpu_pack.sh here and carry .gpu-carry"; exit 3; }
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$WORK/site" .gpu-carry/whl/*.whl || exit 3
  export PYTHONPATH="$WORK/site"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export LABGRADE_CACHE="$WORK/cache" KERAS_HOME="$WORK/keras-home" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
if [ -z "${LABGRADE_DATA:-}" ]; then
  for d in .gpu-carry/data ../shared/data; do [ -d "$d/keras-home" ] && export LABGRADE_DATA="$PWD/$d" && break; done
fi
echo "python: $("$PY" -c 'import sys; print(sys.version.split()[0], sys.executable)'); data: ${LABGRADE_DATA:-none}"
"$PY" -c "import jax, keras; print('jax', jax.__version__, jax.devices(), '| keras', keras.__version__)" || exit 4
"$PY" -c "import importlib.util as u; print('tensorflow importable:', u.find_spec('tensorflow') is not None)"

echo "== 1/3 benchmarks, KERAS_BACKEND=jax, mixed_bfloat16"
KERAS_BACKEND=jax timeout "${BENCH_S:-240}" "$PY" scripts/without_tf.py harness.measure run --gpu-suite --out "$WORK/bench-jax" ${BENCH_ARGS:-}
echo "bench-jax exit $?"
for f in "$WORK/bench-jax/latest.json" "$WORK/bench-jax/partial.json"; do
  [ -f "$f" ] && cp "$f" "$OUT/bench-jax.json" && break
done
cp "$WORK"/bench-jax/bench-*.txt "$OUT/bench-jax.txt" 2>/dev/null

echo "== 2/3 reference gate (${VERIFY_ARGS:-full mode}), KERAS_BACKEND=jax, mixed_bfloat16 where allowed"
if [ -n "${LABGRADE_DATA:-}" ]; then
  KERAS_BACKEND=jax timeout "${VERIFY_S:-200}" "$PY" scripts/without_tf.py harness.measure verify \
    ${VERIFY_LABS:-cats-dogs resnet50-top3 dropout fashion-transfer lr-schedules optimizers} \
    --precision mixed_bfloat16 --data-root "$LABGRADE_DATA" --json "$OUT/verify-jax.json" ${VERIFY_ARGS:-}
  echo "verify-jax exit $?"
else
  echo "no data root: reference gate skipped"
fi

echo "== 3/3 benchmarks, KERAS_BACKEND=torch, mixed_bfloat16 (headline workloads)"
if [ -n "${SKIP_TORCH:-}" ] || ! "$PY" -c "import torch" 2>/dev/null; then echo "torch stage skipped"; else
KERAS_BACKEND=torch timeout "${TORCH_S:-80}" "$PY" scripts/without_tf.py harness.measure run --gpu-suite \
  --only resnet50_infer_b256 --only catsdogs_train_b64 --only resnet50_infer_b32 --out "$WORK/bench-torch" ${TORCH_ARGS:-}
echo "bench-torch exit $?"
for f in "$WORK/bench-torch/latest.json" "$WORK/bench-torch/partial.json"; do
  [ -f "$f" ] && cp "$f" "$OUT/bench-torch.json" && break
done
cp "$WORK"/bench-torch/bench-*.txt "$OUT/bench-torch.txt" 2>/dev/null
fi
echo "== done $(date -u +%FT%TZ); files in $OUT:"; ls -la "$OUT"
