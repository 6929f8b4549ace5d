"""The lab registry: lab id -> contract, data needs, limits, reference module, rubric.

All six labs of the lecture are registered here from the start, so `--lab` works for
every lab whatever else exists yet. Contract names are the names the lecture's own
code uses, so a student who follows the lecture complies without reading a spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.errors import InputError
from harness.models import ExportKind

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUBRICS_DIR = PROJECT_ROOT / "rubrics"


@dataclass(frozen=True)
class ContractName:
    """One name the submission must leave defined when it finishes.

    Attributes:
        name: the variable name the lecture uses.
        kind: what it must be (model, history, histories, callable, class_order).
        required: False for optional names (e.g. ``model_no_dropout``).
        aliases: other names accepted for it (e.g. ``class_names`` for ``class_indices``).
        inputs: for callables, the data items the grader calls it on (see `harness.data`).
        description: one line shown in feedback.
    """

    name: str
    kind: ExportKind
    required: bool = True
    aliases: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class LabSpec:
    """Everything the harness knows about a lab before any rubric is read.

    Attributes:
        id: the lab id used on the command line and in rubric file names.
        title: human title.
        exercise: the lecture's exercise number, when it has one.
        contract: names the submission must define.
        data: data items provisioned into the submission's workspace (see `harness.data`).
        reference: dotted module path of the reference implementation.
        cell_timeout_s: default per-cell wall-clock limit.
        total_timeout_s: default per-submission wall-clock limit.
        quick_cell_timeout_s: per-cell limit in quick mode.
        quick_total_timeout_s: per-submission limit in quick mode.
        accelerator: True when the lab benefits from a GPU (Dask routes it to GPU workers).
        export_grace_s: time reserved inside the total limit for the export step (saving
            models; calling ``classify`` on the grader's images, which the lecture's code
            does by rebuilding ResNet50 each time).
        max_params: the largest exported model the grader loads for this lab (about 50x
            the reference architecture: room for any valid choice, not for a crafted model).
        min_train_samples: the fewest training samples per epoch for a fit to count as this
            lab's training (quick mode included).
    """

    id: str
    title: str
    exercise: str
    contract: tuple[ContractName, ...]
    data: tuple[str, ...]
    reference: str
    cell_timeout_s: float = 1800.0
    total_timeout_s: float = 3600.0
    quick_cell_timeout_s: float = 300.0
    quick_total_timeout_s: float = 600.0
    accelerator: bool = False
    export_grace_s: float = 30.0
    max_params: int = 20_000_000
    min_train_samples: int = 1000

    @property
    def rubric_path(self) -> Path:
        """Path of ``rubrics/<id>.toml``."""
        return RUBRICS_DIR / f"{self.id}.toml"

    def names(self, *, required_only: bool = False) -> list[str]:
        """Contract names in declaration order."""
        return [c.name for c in self.contract if c.required or not required_only]


_FASHION = ("fashion-mnist",)

LABS: dict[str, LabSpec] = {
    spec.id: spec
    for spec in (
        LabSpec(
            id="resnet50-top3",
            title="ResNet50 top-3 prediction",
            exercise="19-1",
            contract=(
                ContractName(
                    "classify",
                    "callable",
                    inputs=("sample-image:cat", "hidden-images"),
                    description="classify(img_path) -> decode_predictions(pred, top=3)[0] (printing it is accepted)",
                ),
            ),
            data=("imagenet-class-index", "resnet50-weights", "sample-images"),
            reference="reference.resnet50_top3",
            accelerator=True,
            export_grace_s=240.0,
            min_train_samples=0,
        ),
        LabSpec(
            id="fashion-transfer",
            title="Fashion-MNIST transfer: reuse model A for task B",
            exercise="19-2",
            contract=(
                ContractName("model_A", "model", description="8-way softmax MLP trained on task A"),
                ContractName("model_B", "model", description="same architecture, 1 sigmoid output, trained from scratch on B"),
                ContractName("model_B_on_A", "model", description="model A's layers (on a clone) + new sigmoid output, fine-tuned on B"),
            ),
            data=_FASHION,
            reference="reference.fashion_transfer",
            min_train_samples=100,  # task B trains on 200 images
        ),
        LabSpec(
            id="cats-dogs",
            title="Cats vs dogs with a frozen MobileNet backbone",
            exercise="19-3",
            contract=(
                ContractName("model", "model", description="trained classifier, input 224x224x3"),
                ContractName("history", "history", description="History of the training run (or its .history dict)"),
                ContractName(
                    "class_indices",
                    "class_order",
                    aliases=("class_names",),
                    description="class order: {'cat': 0, 'dog': 1} or ['cat', 'dog']",
                ),
            ),
            data=("catsdogs", "sample-images", "mobilenet-weights"),
            reference="reference.cats_dogs",
            accelerator=True,
            export_grace_s=60.0,
            max_params=60_000_000,
            min_train_samples=40,
        ),
        LabSpec(
            id="optimizers",
            title="Faster optimizers",
            exercise="",
            contract=(
                ContractName("histories", "histories", description="dict optimizer name -> History or dict of lists"),
            ),
            data=_FASHION,
            reference="reference.optimizers",
        ),
        LabSpec(
            id="lr-schedules",
            title="Learning-rate scheduling",
            exercise="",
            contract=(
                ContractName("histories", "histories", description="dict schedule name -> History or dict of lists"),
            ),
            data=_FASHION,
            reference="reference.lr_schedules",
        ),
        LabSpec(
            id="dropout",
            title="Dropout",
            exercise="",
            contract=(
                ContractName("model", "model", description="the MLP with Dropout layers"),
                ContractName("history", "history", description="its training History"),
                ContractName("model_no_dropout", "model", required=False, description="same MLP without dropout"),
                ContractName("history_no_dropout", "history", required=False, description="its History"),
            ),
            data=_FASHION,
            reference="reference.dropout",
        ),
    )
}


def get_lab(lab_id: str) -> LabSpec:
    """Looks a lab up by id.

    Raises:
        UnknownLab: naming the id received and the ids that exist.
    """
    try:
        return LABS[lab_id]
    except (KeyError, TypeError):
        raise UnknownLab(f"Unknown lab {lab_id!r}. Known labs: {', '.join(LABS)}.") from None


class UnknownLab(InputError, KeyError):
    """A lab id that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


Mode = Literal["full", "quick"]
