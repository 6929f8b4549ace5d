"""Model structure from the exported summary: frozen backbone, dropout layers, class order."""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.context import GradeContext, Verdict, item_param
from harness.evaluate.catsdogs import mapping_from_order
from harness.i18n import Msg, msg
from harness.rubric import Item


def _summary(ctx: GradeContext, name: str) -> dict | None:
    exp = ctx.export(name)
    return exp.data if exp is not None and isinstance(exp.data, dict) else None


def _layers(ctx: GradeContext, name: str) -> tuple[list[dict] | None, Msg | None]:
    """The grader's own view of an exported model's layers (loaded safely by the evaluate stage), or why not."""
    facts = ctx.facts(name)
    if facts is None:
        return None, msg("`{model}` was not exported.", model=name)
    if not facts.loaded:
        return None, msg("`{model}` could not be inspected: {error}.", model=name,
                         error=facts.error or msg("it was not loaded"))
    return facts.layers, None


@register("backbone_frozen")
def backbone_frozen(ctx: GradeContext, item: Item) -> Verdict:
    """The pretrained base was frozen while training (nested base or flattened layers)."""
    name = item.params["model"]
    summary = _summary(ctx, name)
    layers, why = _layers(ctx, name)
    if summary is None or layers is None:
        return Verdict.failed(why or msg("`{model}` was not exported.", model=name))
    nested = [l for l in layers if l.get("layers")]
    evidence = {"nested_bases": [{k: l.get(k) for k in ("name", "trainable", "params", "trainable_params")}
                                 for l in nested]}
    fits = ctx.fits(ctx.model_id(name))
    trained = fits[-1] if fits else None
    if trained is not None:
        evidence.update(trainable_params=trained.trainable_params, non_trainable_params=trained.non_trainable_params)
    if nested:
        base = max(nested, key=lambda l: l.get("params") or 0)
        frozen = not base.get("trainable") or base.get("trainable_params") == 0
    elif trained is not None:
        # Base layers flattened into the model: most weights must be frozen.
        frozen = trained.non_trainable_params > trained.trainable_params
    else:
        return Verdict.failed(msg("`{model}` has no nested base model and was never trained with fit(): cannot tell "
                                  "whether the pretrained layers were frozen.", model=name), **evidence)
    if trained is not None and trained.trainable_params > trained.non_trainable_params:
        frozen = False
    if frozen:
        return Verdict(1.0, msg("The pretrained base was frozen (only the new classifier head was trained)."), evidence)
    return Verdict.failed(msg("The pretrained base was trained too: set base_model.trainable = False before compiling, "
                              "so 500 images fine-tune only the new head instead of overwriting ImageNet features."),
                          **evidence)


@register("dropout_structure")
def dropout_structure(ctx: GradeContext, item: Item) -> Verdict:
    """Dropout layers at the stated rate, at least ``min_layers`` of them, none after the output."""
    name = item.params["model"]
    rate = float(item_param(item, "rate", 0.2))
    want = int(item_param(item, "min_layers", 1))
    layers, why = _layers(ctx, name)
    if layers is None:
        return Verdict.failed(why)
    drops = [(i, l) for i, l in enumerate(layers) if l.get("class") in ("Dropout", "AlphaDropout")]
    rates = [l.get("rate") for _, l in drops]
    problems = []
    if len(drops) < want:
        problems.append(msg("{n} Dropout layer(s), expected {want}", n=len(drops), want=want))
    wrong = [r for r in rates if not isinstance(r, (int, float)) or abs(r - rate) > 1e-6]
    if wrong:
        problems.append(msg("rate(s) {rates:, } instead of {rate}", rates=[str(r) for r in wrong], rate=rate))
    dense = [i for i, l in enumerate(layers) if l.get("class") == "Dense"]
    if dense and any(i > dense[-1] for i, _ in drops):
        problems.append(msg("a Dropout layer after the output layer (it randomly zeroes predictions during training)"))
    evidence = {"dropout_rates": rates, "layers": [l.get("class") for l in layers]}
    if not problems:
        return Verdict(1.0, msg("{n} Dropout layers at rate {rate}, placed before hidden and output layers.",
                                n=len(drops), rate=rate), evidence)
    fraction = 0.5 if drops and len(problems) == 1 and not wrong else 0.0
    return Verdict(fraction, msg("Dropout structure: {problems:; }. The lecture's MLP uses Dropout(0.2) before each "
                                 "Dense layer, none after the softmax output.", problems=problems), evidence)


@register("class_order")
def class_order(ctx: GradeContext, item: Item) -> Verdict:
    """The exported class order exists and matches what the model actually predicts."""
    exp = ctx.export("class_indices")
    if exp is None:
        return Verdict.failed(msg("No class order exported: keep `class_indices` (from the training generator) or "
                                  "`class_names` (from image_dataset_from_directory) defined."))
    mapping = mapping_from_order(exp.data)
    if mapping is None:
        return Verdict.failed(msg("The exported class order {order} does not name 'cat' and 'dog' once each.",
                                  order=str(exp.data)[:120]))
    m = ctx.metric("model", "catsdogs")
    if m.value is None:
        return Verdict.failed(msg("Class order {mapping!r} found, but the model could not be evaluated: {error}.",
                                  mapping=mapping, error=ctx.metric_problem("model", "catsdogs")))
    actual = m.details.get("mapping")
    evidence = {"exported": mapping, "model_behaviour": actual}
    if ctx.never_fit("model"):
        # Which output an untrained head favours is chance; judge the order by the training folders instead.
        folders = sorted(mapping)
        evidence["model_behaviour"] = None
        if mapping == folders:
            return Verdict(1.0, msg("Class order {mapping!r} is the training folders' order (the model was never "
                                    "trained, so its outputs cannot confirm it).", mapping=mapping), evidence)
        return Verdict.failed(msg("The exported class order {mapping!r} is not the training folders' order "
                                  "{folders!r}. Take the order from the training data (train_generator.class_indices "
                                  "or dataset.class_names), not by hand.", mapping=mapping, folders=folders),
                              **evidence)
    if mapping == actual:
        return Verdict(1.0, msg("Class order {mapping!r} matches the model's outputs.", mapping=mapping), evidence)
    return Verdict.failed(msg("The exported class order {mapping!r} is reversed with respect to what the model "
                              "predicts ({actual!r}): predictions read with it call every dog a cat. Take the order "
                              "from the training data (train_generator.class_indices or dataset.class_names), not by "
                              "hand.", mapping=mapping, actual=actual), **evidence)
