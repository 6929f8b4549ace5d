"""Plain-language diagnosis of Keras 2 APIs that Keras 3 removed or silently changed.

The lecture's code is Keras 2 era. When a cell dies on one of these APIs (or, worse,
runs but does something else), the feedback names the API and its Keras 3
replacement. Error rules match the error text of the failing cell (and its source);
silent rules match the training trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.i18n import Msg, msg, placeholders, render
from harness.i18n.message import encode_args
from harness.models import Cell, Diagnosis, TraceEvent


@dataclass(frozen=True)
class Rule:
    """One removed/changed API.

    Attributes:
        api: the old API as students write it.
        error: regex matched against "ename: evalue" and the traceback of a failing cell.
        source: optional regex the cell's source must also match.
        message: what happened and why (``{file}`` is filled with the weights file of a failed download).
        replacement: the Keras 3 way; ``code  (why)`` when it explains itself (the note of a failing item
            quotes only the code).
    """

    api: str
    error: str
    message: Msg
    replacement: Msg
    source: str | None = None


RULES: tuple[Rule, ...] = (
    Rule(
        api="lr=",
        error=r"Argument\(s\) not recognized: \{'lr'",
        message=msg("Keras 3 optimizers no longer accept the Keras 2 alias `lr=`; the optimizer could not be created."),
        replacement=msg("keras.optimizers.SGD(learning_rate=0.001)"),
    ),
    Rule(
        api="optimizer.lr",
        error=r"has no attribute 'lr'",
        message=msg("The optimizer attribute `lr` was renamed in Keras 3."),
        replacement=msg("model.optimizer.learning_rate  (read it, or assign a new value to it)"),
    ),
    Rule(
        api="fit_generator",
        error=r"has no attribute '(fit|predict|evaluate)_generator'",
        message=msg("`fit_generator`, `predict_generator` and `evaluate_generator` were removed in Keras 3."),
        replacement=msg("model.fit(train_generator, validation_data=val_generator, epochs=...)  (fit, predict "
                        "and evaluate accept generators and datasets directly)"),
    ),
    Rule(
        api="ImageDataGenerator",
        error=r"ImageDataGenerator",
        message=msg("`ImageDataGenerator` (keras.preprocessing.image) does not exist in Keras 3."),
        replacement=msg("keras.utils.image_dataset_from_directory('data/train', image_size=(224, 224), "
                        "batch_size=64) for loading, and augmentation layers in the model: "
                        "keras.layers.RandomRotation(20/360), RandomTranslation(0.2, 0.2), RandomZoom(0.2)"),
    ),
    Rule(
        api="from tf.keras ...",
        error=r"No module named 'tf'",
        message=msg("`tf` is only a name bound by `import tensorflow as tf`; it cannot be imported from."),
        replacement=msg("import keras  (or: from tensorflow import keras)"),
    ),
    Rule(
        api="tf.train.Adam",
        error=r"module 'tensorflow\S*\.train' has no attribute '(\w+)'",
        message=msg("TensorFlow 1 optimizers (`tf.train.AdamOptimizer`, `tf.train.Adam`...) do not exist in "
                    "TensorFlow 2 / Keras 3."),
        replacement=msg("keras.optimizers.Adam(learning_rate=0.001)"),
    ),
    Rule(
        api="predict_classes",
        error=r"has no attribute 'predict_classes'",
        message=msg("`predict_classes` was removed (Keras 2.6)."),
        replacement=msg("np.argmax(model.predict(x), axis=-1)  (or (model.predict(x) > 0.5) for a sigmoid output)"),
    ),
    Rule(
        api="keras.utils.np_utils",
        error=r"np_utils",
        message=msg("`keras.utils.np_utils` is gone in Keras 3."),
        replacement=msg("keras.utils.to_categorical(y, num_classes)"),
    ),
    Rule(
        api="layers.experimental.preprocessing",
        error=r"experimental",
        source=r"experimental\.preprocessing",
        message=msg("Preprocessing layers left `keras.layers.experimental.preprocessing` in Keras 3."),
        replacement=msg("keras.layers.Rescaling, keras.layers.RandomFlip, ... (directly under keras.layers)"),
    ),
    Rule(
        api="history.history['acc']",
        error=r"KeyError: '(val_)?acc'",
        message=msg("Keras names the metric `accuracy` (and `val_accuracy`), not `acc`."),
        replacement=msg("history.history['accuracy'], history.history['val_accuracy']"),
    ),
    Rule(
        api="save_format=",
        error=r"save_format",
        message=msg("Keras 3 chooses the format from the file name; `save_format=` is not accepted."),
        replacement=msg("model.save('model.keras')"),
    ),
    Rule(
        api="tf.Session / tf.placeholder",
        error=r"has no attribute '(Session|placeholder|get_default_graph|ConfigProto)'",
        message=msg("TensorFlow 1 graph/session APIs are gone in TensorFlow 2."),
        replacement=msg("plain eager Keras code: model.fit / model.predict"),
    ),
    Rule(
        api="K.set_value / K.get_value",
        error=r"has no attribute '(set_value|get_value|eval)'",
        message=msg("`keras.backend.set_value`/`get_value` (the lecture's `K.set_value(model.optimizer.lr, ...)`) do "
                    "not exist in Keras 3."),
        replacement=msg("model.optimizer.learning_rate = new_rate  (and float(model.optimizer.learning_rate) to read "
                        "it)"),
    ),
    Rule(
        api="pretrained weights download",
        error=r"(URL fetch failure|Exception: URL|HTTP Error|Name or service not known|urlopen error)",
        source=r"weights\s*=\s*['\"]imagenet|MobileNet|ResNet50|VGG|Xception|Inception|EfficientNet|applications",
        message=msg("Keras tried to download pretrained weights ({file}) that this grader does not have, and the code "
                    "ran without network access, so the model could not be built."),
        replacement=msg("the same call works once {file} is available: graders provide it in the data root "
                        "(keras-home/models/{file}) or with --weights; on your own machine, run once online so Keras "
                        "caches it in ~/.keras/models/"),
    ),
    Rule(
        api="keras.wrappers.scikit_learn",
        error=r"wrappers",
        source=r"wrappers",
        message=msg("`keras.wrappers.scikit_learn` was removed in Keras 3."),
        replacement=msg("the scikeras package (KerasClassifier), or a plain loop over hyper-parameters"),
    ),
)

_DECAY = Rule(
    api="decay=",
    error="",
    message=msg("Keras 3 accepts `decay=` on optimizers but IGNORES it (a warning only): this run trained at a "
                "constant learning rate, not with the power/time-based decay the code asks for."),
    replacement=msg("keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay("
                    "initial_learning_rate=0.01, decay_steps=1, decay_rate=1e-4)) (power scheduling with c=1), or "
                    "a keras.callbacks.LearningRateScheduler"),
)


_WEIGHTS_FILE = re.compile(r"([\w.-]+\.(?:h5|keras|weights\.h5))")


def _weights_file(text: str) -> str:
    """The weights file named in a failed download's error message (the URL's last part)."""
    m = _WEIGHTS_FILE.search(text)
    return m.group(1) if m else "the weights file"


def diagnose(cells: list[Cell], trace: list[TraceEvent]) -> list[Diagnosis]:
    """Finds Keras 2 APIs in failing cells and silent changes in the trace.

    Args:
        cells: executed cells (errors carry ename/evalue/traceback).
        trace: compile/fit calls.

    Returns:
        At most one diagnosis per (API, cell).
    """
    found: list[Diagnosis] = []
    seen: set[tuple[str, int]] = set()
    for cell in cells:
        if cell.error is None:
            continue
        # Only the exception itself and the student's own code: matching library frames
        # of the traceback diagnosed APIs the student never used.
        text = f"{cell.error.ename}: {cell.error.evalue}"
        for rule in RULES:
            if not re.search(rule.error, text):
                continue
            if rule.source and not re.search(rule.source, cell.source):
                continue
            key = (rule.api, cell.index)
            if key not in seen:
                seen.add(key)
                file = _weights_file(text)
                found.append(_diagnosis(rule.api, _filled(rule.message, file=file),
                                        _filled(rule.replacement, file=file), cell_index=cell.index, severity="error"))
    for ev in trace:
        if ev.optimizer_config.get("ignored_decay") is not None:
            key = (_DECAY.api, ev.cell_index)
            if key not in seen:
                seen.add(key)
                message = msg("{message} (decay={decay:g} on {optimizer} of model {model!r})", message=_DECAY.message,
                              decay=ev.optimizer_config["ignored_decay"],
                              optimizer=ev.optimizer or msg("the optimizer"), model=ev.model_name)
                found.append(_diagnosis(_DECAY.api, message, _DECAY.replacement, cell_index=ev.cell_index,
                                        severity="silent"))
    return found


def _filled(template: Msg, **values: str) -> Msg:
    """`template` with the values of the placeholders it has (rule texts name ``{file}`` where it matters)."""
    wanted = placeholders(template.msgid)
    return Msg(template.msgid, {k: v for k, v in values.items() if k in wanted}) if wanted else template


def _diagnosis(api: str, message: Msg, replacement: Msg, **where) -> Diagnosis:
    """A diagnosis in English, with the message ids that let the student's view show it in their language."""
    return Diagnosis(api=api, message=render(message, "en"), replacement=render(replacement, "en"),
                     message_id=message.msgid, message_args=encode_args(message.args),
                     replacement_id=replacement.msgid, replacement_args=encode_args(replacement.args), **where)
