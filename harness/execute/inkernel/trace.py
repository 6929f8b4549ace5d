"""Runs INSIDE the sandbox: the training trace, sent on the channel as each call happens.

Part of the prologue source (top-level definitions only; `jsonable`, `count_params`,
`weights_state`, `fingerprint_array`, `object_tag` come from common.py in the same scope). Wraps the
methods that define the Keras classes (compile, fit, predict, set_weights,
load_weights) and ``keras.models.load_model``, and records, per call: the model and its
trainable/frozen weights, the optimizer and its configuration, epochs, batch size, the
data seen (shape, value range, a hash of sampled rows), per-epoch logs with the
learning rate actually used, and fingerprints of every weight at fit start and end.
The grader cross-checks these against the exported models it loads itself.
"""


def install_keras_trace(keras, send, salt, current_cell, note_error, warnings_seen):
    """Patches Keras so that every compile/fit/predict/weights change is sent as an event."""
    import inspect
    import time

    def to_float(value):
        try:
            import numpy as np

            return float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1)[0])
        except Exception:
            try:
                return float(value)
            except Exception:
                return None

    def weighted_layers(model):
        try:
            layers = model._flatten_layers(include_self=False, recursive=True)
        except Exception:
            layers = getattr(model, "layers", [])
        return [l for l in layers if getattr(l, "weights", None) and not getattr(l, "layers", None)]

    def flags(model):
        try:
            return tuple((l.name, bool(l.trainable)) for l in weighted_layers(model))
        except Exception:
            return ()

    compile_counts = {}
    compiled_flags = {}
    counters = {"fit": 0, "predict": 0}

    def optimizer_info(model):
        opt = getattr(model, "optimizer", None)
        if opt is None:
            return None, None, {}
        cfg_ = {}
        try:
            cfg_ = jsonable(opt.get_config())
        except Exception as exc:
            note_error("optimizer.get_config", exc)
        decay = getattr(opt, "_labgrade_decay", None)
        if decay is not None:
            cfg_["ignored_decay"] = decay
        return type(opt).__name__, object_tag(opt, "opt"), cfg_

    def base(model):
        ev = {"cell_index": current_cell(), "model_name": str(getattr(model, "name", ""))[:200],
              "model_id": object_tag(model, "model")}
        try:
            ev["trainable_params"] = count_params(model.trainable_weights)
            ev["non_trainable_params"] = count_params(model.non_trainable_weights)
            fl = flags(model)
            ev["trainable_layers"] = [n for n, t in fl if t][:2000]
            ev["frozen_layers"] = [n for n, t in fl if not t][:2000]
        except Exception as exc:
            note_error("counting weights", exc)
        return ev

    def state_of(model):
        try:
            return weights_state(model, salt)
        except Exception as exc:
            note_error("weights fingerprint", exc)
            return []

    def dataset_batch_size(ds):
        # A tf.data pipeline (image_dataset_from_directory batches, then maps and prefetches): the batch
        # size is a property of its batching stage, found by walking the stages towards the source.
        for _ in range(16):
            if ds is None:
                return None
            size = getattr(ds, "_batch_size", None)
            if size is not None:
                try:
                    return int(size.numpy() if hasattr(size, "numpy") else size)
                except Exception:
                    return None
            ds = getattr(ds, "_input_dataset", None)
        return None

    def data_info(x):
        """Shape, value range and a hash of sampled rows of an array input (cheap: strided samples)."""
        try:
            import hashlib

            import numpy as np

            if isinstance(x, (list, tuple)) or not hasattr(x, "shape"):
                return {"type": type(x).__name__}
            arr = np.asarray(keras.ops.convert_to_numpy(x))
            flat = arr.reshape(-1)
            step = max(1, flat.size // 100000)
            sample = flat[::step].astype("float64")
            n = int(arr.shape[0]) if arr.ndim else 1
            rows = arr[:: max(1, n // 64)][:64] if arr.ndim else arr
            digest = hashlib.sha256(np.ascontiguousarray(rows, dtype=np.float32).tobytes()).hexdigest()[:16]
            return {"shape": [int(d) for d in arr.shape], "min": float(sample.min()), "max": float(sample.max()),
                    "mean": float(sample.mean()), "rows_hash": digest, "type": type(x).__name__}
        except Exception:
            return {"type": type(x).__name__}

    # Optimizer constructor: remember `decay=`, which Keras 3 accepts and ignores.
    try:
        from keras.src.optimizers import base_optimizer

        original_opt_init = base_optimizer.BaseOptimizer.__init__

        def opt_init(self, *args, **kwargs):
            decay = kwargs.get("decay")
            original_opt_init(self, *args, **kwargs)
            if decay is not None:
                try:
                    object.__setattr__(self, "_labgrade_decay", float(decay))
                except Exception:
                    pass

        base_optimizer.BaseOptimizer.__init__ = opt_init
    except Exception as exc:
        note_error("optimizer hook", exc)

    Model = keras.Model

    def owner(name):
        # Patch the class that defines the method (Trainer.compile, the backend trainer's
        # fit/predict, Layer.set_weights), not keras.Model: Keras compares
        # `cls.compile != Trainer.compile` to detect user overrides, and a patch on Model
        # would make load_model() skip compiling restored models.
        return next(c for c in Model.__mro__ if name in c.__dict__)

    original_compile = owner("compile").compile
    original_fit = owner("fit").fit
    original_predict = owner("predict").predict
    original_set_weights = owner("set_weights").set_weights
    original_load_weights = owner("load_weights").load_weights
    fit_signature = inspect.signature(original_fit)

    def compile(self, *args, **kwargs):
        t0 = time.perf_counter()
        error = None
        try:
            return original_compile(self, *args, **kwargs)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            raise
        finally:
            try:
                ev = base(self)
                key = ev["model_id"]
                compile_counts[key] = compile_counts.get(key, 0) + 1
                compiled_flags[key] = flags(self)
                ev["compile_count"] = compile_counts[key]
                ev["optimizer"], ev["optimizer_id"], ev["optimizer_config"] = optimizer_info(self)
                ev["seconds"] = time.perf_counter() - t0
                if error:
                    ev["error"] = error
                send("compile", **ev)
            except Exception as exc:
                note_error("compile trace", exc)

    class TraceCallback(keras.callbacks.Callback):
        def __init__(self, fit_no):
            super().__init__()
            self.fit_no = fit_no
            self.t_epoch = 0.0
            self.steps = 0
            self.current = None
            self.epochs_sent = 0
            self.refreshed = None

        def lr(self):
            opt = getattr(self.model, "optimizer", None)
            if opt is None:
                return None
            try:
                return to_float(opt.learning_rate)
            except Exception:
                return None

        def on_epoch_begin(self, epoch, logs=None):
            self.t_epoch = time.perf_counter()
            self.steps = 0
            self.current = {"epoch": int(epoch), "lr": self.lr()}

        def on_train_batch_begin(self, batch, logs=None):
            if self.steps == 0 and self.current is not None:
                # Per-step schedules (1cycle callbacks, schedule objects) set the rate for
                # the first batch after on_epoch_begin: read it here, after the
                # submission's own callbacks (this one runs last).
                self.current["lr"] = self.lr()

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1

        def on_epoch_end(self, epoch, logs=None):
            if self.refreshed is None:
                # Layers created but not built before fit (a new output Dense) have no
                # weights until the first batch: count trainable/frozen again now.
                try:
                    self.refreshed = base(self.model)
                except Exception as exc:
                    note_error("fit trace refresh", exc)
                    self.refreshed = {}
            rec = self.current or {"epoch": int(epoch)}
            rec["lr_end"] = self.lr()
            rec["seconds"] = time.perf_counter() - self.t_epoch
            rec["steps"] = self.steps
            rec["logs"] = {str(k)[:100]: to_float(v) for k, v in list((logs or {}).items())[:50]
                           if k != "learning_rate" or to_float(v) is not None}
            if self.epochs_sent < 10000:
                self.epochs_sent += 1
                send("epoch", fit=self.fit_no, **rec)

    def fit(self, *args, **kwargs):
        counters["fit"] += 1
        fit_no = counters["fit"]
        ev = base(self)
        ev["fit"] = fit_no
        call_args, call_kwargs = (self, *args), kwargs
        callback = TraceCallback(fit_no)
        try:
            bound = fit_signature.bind(self, *args, **kwargs)
            arguments = bound.arguments
            ev["epochs"] = int(arguments.get("epochs", 1))
            ev["initial_epoch"] = int(arguments.get("initial_epoch", 0) or 0)
            x = arguments.get("x")
            batch = arguments.get("batch_size")
            if batch is None:
                batch = getattr(x, "batch_size", None)
                if batch is None and hasattr(x, "shape"):
                    batch = 32
                if batch is None:
                    batch = dataset_batch_size(x)
            ev["batch_size"] = int(batch) if batch is not None else None
            ev["data"] = data_info(x)
            if hasattr(x, "shape") and getattr(x, "shape", None):
                split = arguments.get("validation_split") or 0.0
                ev["samples"] = int(int(x.shape[0]) * (1 - float(split)))
                ev["input_stats"] = {k: ev["data"][k] for k in ("shape", "min", "max", "mean") if k in ev["data"]}
            key = ev["model_id"]
            ev["compile_count"] = compile_counts.get(key, 0)
            ev["stale_trainable"] = key in compiled_flags and compiled_flags[key] != flags(self)
            ev["optimizer"], ev["optimizer_id"], ev["optimizer_config"] = optimizer_info(self)
            given = list(arguments.get("callbacks") or [])
            ev["callbacks"] = [type(c).__name__ for c in given][:20]
            if "verbose" not in arguments:
                # One line per epoch instead of a progress bar redrawn hundreds of times.
                arguments["verbose"] = 2
            arguments["callbacks"] = [*given, callback]
            call_args, call_kwargs = bound.args, bound.kwargs
        except Exception as exc:
            note_error("fit trace setup", exc)
        ev["weights_start"] = state_of(self)
        n_warn = len(warnings_seen)
        send("fit", **ev)
        t0 = time.perf_counter()
        error = None
        try:
            return original_fit(*call_args, **call_kwargs)
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            raise
        finally:
            end = {"fit": fit_no, "model_id": ev["model_id"], "seconds": time.perf_counter() - t0,
                   "warnings": [w["message"] for w in warnings_seen[n_warn:]][:20],
                   "weights_end": state_of(self)}
            if error:
                end["error"] = error
            for k in ("trainable_params", "non_trainable_params", "trainable_layers", "frozen_layers"):
                if callback.refreshed and k in callback.refreshed:
                    end[k] = callback.refreshed[k]
            send("fit-end", **end)

    def predict(self, x, *args, **kwargs):
        if counters["predict"] < 200:
            counters["predict"] += 1
            ev = base(self)
            info = data_info(x)
            ev["input_stats"] = {k: info[k] for k in ("shape", "min", "max", "mean") if k in info}
            send("predict", **ev)
        return original_predict(self, x, *args, **kwargs)

    def set_weights(self, *args, **kwargs):
        result = original_set_weights(self, *args, **kwargs)
        send("weights", how="set_weights", cell_index=current_cell(), owner=str(getattr(self, "name", ""))[:200],
             model_id=object_tag(self, "model"), weights=state_of(self))
        return result

    def load_weights(self, *args, **kwargs):
        result = original_load_weights(self, *args, **kwargs)
        send("weights", how="load_weights", cell_index=current_cell(), owner=str(getattr(self, "name", ""))[:200],
             model_id=object_tag(self, "model"), weights=state_of(self))
        return result

    owner("compile").compile = compile
    owner("fit").fit = fit
    owner("predict").predict = predict
    owner("set_weights").set_weights = set_weights
    owner("load_weights").load_weights = load_weights

    try:
        import keras.src.saving.saving_api as saving_api

        original_load_model = saving_api.load_model

        def load_model(*args, **kwargs):
            model = original_load_model(*args, **kwargs)
            try:
                send("weights", how="load_model", cell_index=current_cell(),
                     owner=str(getattr(model, "name", ""))[:200], model_id=object_tag(model, "model"),
                     weights=state_of(model))
            except Exception as exc:
                note_error("load_model trace", exc)
            return model

        load_model.__doc__ = original_load_model.__doc__
        for mod in (saving_api, getattr(keras, "models", None), getattr(keras, "saving", None)):
            if mod is not None and getattr(mod, "load_model", None) is original_load_model:
                mod.load_model = load_model
    except Exception as exc:
        note_error("load_model hook", exc)


def install_weight_overrides(keras, overrides, keras_home):
    """``weights="imagenet"`` -> the file the grader provisioned, for applications it overrides."""
    import os
    import sys

    app_names = {"resnet50": "ResNet50"}
    for key, rel in (overrides or {}).items():
        name = app_names.get(key)
        if not name:
            continue
        path = os.path.join(keras_home, rel)
        original_app = getattr(keras.applications, name)

        def make(original_app=original_app, path=path):
            def application(*args, **kwargs):
                if kwargs.get("weights", "imagenet") == "imagenet" and len(args) < 2:
                    kwargs["weights"] = path
                return original_app(*args, **kwargs)

            application.__name__ = original_app.__name__
            application.__doc__ = original_app.__doc__
            return application

        patched = make()
        for mod in list(sys.modules.values()):
            try:
                if getattr(mod, name, None) is original_app:
                    setattr(mod, name, patched)
            except Exception:
                pass
