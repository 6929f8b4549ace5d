#!/usr/bin/env bash
# Packs what scripts/gpu_check.sh needs on a GPU machine that has JAX and PyTorch but no
# TensorFlow, no Keras and no network, into .gpu-carry/ (git-ignored through .git/info/exclude):
#
#   .gpu-carry/whl/   keras (this venv's version), optree, namex: Python 3.12 manylinux wheels
#                     (the GPU image's python3 is 3.12; its absl-py, rich, h5py, ml-dtypes, numpy,
#                     packaging, pillow, psutil and click are used as they are)
#   .gpu-carry/data/  an offline data root laid out like shared/data: Fashion-MNIST (full), the
#                     ImageNet class index, MobileNetV2 alpha 0.35 no-top weights, the sample images,
#                     and a REDUCED dogs-vs-cats/train.zip: per class the first 500 images by Kaggle id
#                     (train + val, as the labs split them) and the next 150 (held-out), each resized
#                     to 224x224 with the pipeline's own nearest-neighbour resize and re-encoded as
#                     JPEG quality 90, so that everything fits the 64 MiB a device call may carry.
#                     Its data fingerprint differs from the real zip's: the verify gate names that
#                     difference and treats cats-dogs band misses as warnings.
#
# Usage (on the development machine, from anywhere): bash scripts/gpu_pack.sh
#   env: PYTHON (default .venv/bin/python), LABGRADE_DATA (default ../shared/data, else /work/shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DATA=${LABGRADE_DATA:-}
for d in "$DATA" ../shared/data /work/shared/data; do
  if [ -n "$d" ] && [ -f "$d/keras-home/datasets/fashion-mnist/train-images-idx3-ubyte.gz" ]; then DATA=$d; break; fi
done
[ -f "$DATA/dogs-vs-cats/train.zip" ] || { echo "gpu_pack: no data root with dogs-vs-cats/train.zip (set LABGRADE_DATA); received '$DATA'" >&2; exit 2; }
C=.gpu-carry
mkdir -p .git/info && (grep -qxF '/.gpu-carry/' .git/info/exclude 2>/dev/null || echo '/.gpu-carry/' >> .git/info/exclude)
[ -d "$C" ] && chmod -R u+w "$C" && rm -rf "$C"
mkdir -p "$C/whl" "$C/data/keras-home/datasets" "$C/data/keras-home/models" "$C/data/sample-images" "$C/data/dogs-vs-cats"

KERAS_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("keras"))')
OPTREE_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("optree"))')
NAMEX_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("namex"))')
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$C/whl" \
  "keras==$KERAS_VERSION" "optree==$OPTREE_VERSION" "namex==$NAMEX_VERSION"

cp -r "$DATA/keras-home/datasets/fashion-mnist" "$C/data/keras-home/datasets/"
cp "$DATA/keras-home/models/imagenet_class_index.json" \
   "$DATA/keras-home/models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5" "$C/data/keras-home/models/"
cp "$DATA/sample-images/"*.jpg "$C/data/sample-images/"
"$PY" - "$DATA/dogs-vs-cats/train.zip" "$C/data/dogs-vs-cats/train.zip" <<'PYEOF'
import io, re, sys, zipfile
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
member = re.compile(r"(?:^|/)(cat|dog)\.(\d+)\.jpe?g$", re.IGNORECASE)
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
    by_class = {"cat": [], "dog": []}
    for name in zin.namelist():
        m = member.search(name)
        if m:
            by_class[m.group(1).lower()].append((int(m.group(2)), name))
    for cls, items in by_class.items():
        for kid, name in sorted(items)[:650]:
            img = Image.open(io.BytesIO(zin.read(name))).convert("RGB").resize((224, 224), Image.NEAREST)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=90)
            zout.writestr(f"train/{cls}.{kid}.jpg", buf.getvalue())
print(f"gpu_pack: {dst}: 650 images per class, 224x224, JPEG q90")
PYEOF
chmod -R u+w "$C"
du -sh "$C" "$C"/* "$C/data"/*
total=$(du -sb "$C" | cut -f1)
[ "$total" -lt $((60 * 1024 * 1024)) ] || { echo "gpu_pack: $C is $total bytes; a device call carries 64 MiB with the tree" >&2; exit 3; }
echo "gpu_pack: ready. Run: bash scripts/gpu_check.sh (device tool: carry [\".gpu-carry\"], timeout_s 600)"
