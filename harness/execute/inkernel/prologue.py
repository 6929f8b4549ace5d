"""Runs INSIDE the submission's kernel (or module runner) before its first cell.

This file is never imported by the grader: its source is sent to the sandboxed
interpreter, followed by ``_labgrade_install(CONFIG)``. It installs:

* the training trace: wrappers around ``keras.Model.compile`` / ``fit`` and the
  optimizer constructor recording, per call, the model, trainable/non-trainable
  counts, optimizer class and configuration, epochs, batch size and per-epoch logs
  including the learning rate actually used (schedules resolved);
* a cap on text output, so printing gigabytes cannot flood the grader;
* weight overrides (``weights="imagenet"`` -> a file the grader provisioned);
* an advisory network block when no network namespace isolates the code.

Everything it records lives in ``sys.modules["_labgrade_state"]``; the export step
writes it out. The submission can tamper with it, which is why the grader treats
the trace as evidence of process, never as a metric.
"""


def _labgrade_install(cfg):
    import os
    import sys
    import time
    import types
    import warnings

    state = types.ModuleType("_labgrade_state")
    state.cfg = cfg
    state.events = []
    state.warnings = []
    state.errors = []
    state.cell = -1
    state.compiled_flags = {}
    state.compile_counts = {}
    state.model_refs = {}
    sys.modules["_labgrade_state"] = state

    def note_error(where, exc):
        state.errors.append(f"{where}: {type(exc).__name__}: {exc}")

    # --- output cap -------------------------------------------------------------
    cap = int(cfg.get("max_output_bytes", 1 << 20))
    budget = {"used": 0, "dropped": 0}

    def capped(stream):
        original = stream.write

        def write(text):
            if not isinstance(text, str):
                return original(text)
            n = len(text)
            room = cap - budget["used"]
            if room <= 0:
                budget["dropped"] += n
                return n
            if n > room:
                original(text[:room])
                original(f"\n[labgrade: output truncated after {cap} bytes]\n")
                budget["used"] = cap
                budget["dropped"] += n - room
                return n
            budget["used"] += n
            return original(text)

        return write

    def install_caps():
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if getattr(getattr(stream, "write", None), "_labgrade_cap", False):
                continue
            write = capped(stream)
            write._labgrade_cap = True
            try:
                stream.write = write
            except Exception:  # a stream type that refuses instance attributes
                class Proxy:
                    def __init__(self, inner):
                        self._inner = inner
                        self.write = write

                    def __getattr__(self, attr):
                        return getattr(self._inner, attr)

                setattr(sys, name, Proxy(stream))

    install_caps()
    state.install_caps = install_caps
    state.output_budget = budget

    # --- warnings ---------------------------------------------------------------
    original_showwarning = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if len(state.warnings) < 200:
            state.warnings.append({"category": category.__name__, "message": str(message)[:500],
                                   "cell": state.cell})
        return original_showwarning(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning

    # --- cell tracking (notebooks): the execution count of the running cell ------
    try:
        ip = get_ipython()  # noqa: F821 - defined inside IPython kernels

        def pre_run_cell(info=None):
            # IPython increments execution_count before running the cell: the cell
            # itself is numbered one less (the "In [n]" the notebook shows).
            state.cell = ip.execution_count - 1
            # The prologue's own cell ends by restoring sys.stdout.write (IPython's
            # per-cell tee): put the cap back before every cell.
            install_caps()

        ip.events.register("pre_run_cell", pre_run_cell)
        if hasattr(ip, "_tee"):
            # IPython 9 keeps every printed string in its output history (and wraps
            # sys.stdout.write per cell to do so): printing a gigabyte would keep a
            # gigabyte in the kernel. Grading needs no %history -o.
            import contextlib

            ip._tee = lambda channel: contextlib.nullcontext()
    except NameError:
        pass

    # --- advisory network block ---------------------------------------------------
    if cfg.get("block_network"):
        import socket

        def refuse(self, address, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise PermissionError(f"network access is disabled while grading (tried {address!r})")
            return _connect(self, address, *args, **kwargs)

        _connect = socket.socket.connect
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse

    # --- training trace -----------------------------------------------------------
    # Installed when Keras is first imported (by the submission, or by TensorFlow on
    # its behalf), not before: a notebook that never imports Keras pays nothing.
    def install_keras(keras):
        state.keras_version = keras.__version__
        try:
            state.backend = keras.backend.backend()
        except Exception:
            state.backend = "?"

        def to_float(value):
            try:
                import numpy as np

                return float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1)[0])
            except Exception:
                try:
                    return float(value)
                except Exception:
                    return None

        def jsonable(value, depth=0):
            if depth > 4:
                return repr(value)[:200]
            if isinstance(value, (bool, int, str)) or value is None:
                return value
            if isinstance(value, float):
                return value if value == value else None
            if isinstance(value, dict):
                return {str(k): jsonable(v, depth + 1) for k, v in list(value.items())[:50]}
            if isinstance(value, (list, tuple)):
                return [jsonable(v, depth + 1) for v in value[:50]]
            f = to_float(value)
            return f if f is not None else repr(value)[:200]

        def weighted_layers(model):
            out = []
            try:
                layers = model._flatten_layers(include_self=False, recursive=True)
            except Exception:
                layers = getattr(model, "layers", [])
            for layer in layers:
                if getattr(layer, "weights", None) and not getattr(layer, "layers", None):
                    out.append(layer)
            return out

        def flags(model):
            try:
                return tuple((l.name, bool(l.trainable)) for l in weighted_layers(model))
            except Exception:
                return ()

        def count(weights):
            total = 0
            for w in weights:
                n = 1
                for d in w.shape:
                    n *= int(d)
                total += n
            return total

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
            return type(opt).__name__, f"opt-{id(opt)}", cfg_

        def base_event(kind, model):
            ev = {"kind": kind, "seq": len(state.events), "cell_index": state.cell,
                  "model_name": str(getattr(model, "name", "")), "model_id": f"model-{id(model)}"}
            state.model_refs[ev["model_id"]] = model.name if hasattr(model, "name") else ""
            try:
                ev["trainable_params"] = count(model.trainable_weights)
                ev["non_trainable_params"] = count(model.non_trainable_weights)
                fl = flags(model)
                ev["trainable_layers"] = [n for n, t in fl if t]
                ev["frozen_layers"] = [n for n, t in fl if not t]
            except Exception as exc:
                note_error(f"{kind}: counting weights", exc)
            return ev

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
            # Patch the class that defines the method (Trainer.compile, the backend
            # trainer's fit/predict), not keras.Model: Keras compares
            # `cls.compile != Trainer.compile` to detect user overrides, and a patch on
            # Model would make load_model() skip compiling restored models.
            return next(c for c in Model.__mro__ if name in c.__dict__)

        original_compile = owner("compile").compile
        original_fit = owner("fit").fit

        def compile(self, *args, **kwargs):
            t0 = time.perf_counter()
            ev = None
            try:
                return original_compile(self, *args, **kwargs)
            except Exception as exc:
                ev = base_event("compile", self)
                ev["error"] = f"{type(exc).__name__}: {exc}"[:1000]
                raise
            finally:
                try:
                    if ev is None:
                        ev = base_event("compile", self)
                    key = ev["model_id"]
                    state.compile_counts[key] = state.compile_counts.get(key, 0) + 1
                    state.compiled_flags[key] = flags(self)
                    ev["compile_count"] = state.compile_counts[key]
                    ev["optimizer"], ev["optimizer_id"], ev["optimizer_config"] = optimizer_info(self)
                    ev["seconds"] = time.perf_counter() - t0
                    state.events.append(ev)
                except Exception as exc:
                    note_error("compile trace", exc)

        class TraceCallback(keras.callbacks.Callback):
            def __init__(self, ev):
                super().__init__()
                self.ev = ev
                self.t_epoch = 0.0
                self.steps = 0
                self.current = None

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
                if not self.ev["epoch_logs"]:
                    # Layers created but not built before fit (a new output Dense) have no
                    # weights until the first batch: count trainable/frozen again now.
                    try:
                        fresh = base_event("fit", self.model)
                        for key in ("trainable_params", "non_trainable_params", "trainable_layers", "frozen_layers"):
                            if key in fresh:
                                self.ev[key] = fresh[key]
                    except Exception as exc:
                        note_error("fit trace refresh", exc)
                rec = self.current or {"epoch": int(epoch)}
                rec["lr_end"] = self.lr()
                rec["seconds"] = time.perf_counter() - self.t_epoch
                rec["steps"] = self.steps
                rec["logs"] = {k: to_float(v) for k, v in (logs or {}).items()
                               if k != "learning_rate" or to_float(v) is not None}
                if len(self.ev["epoch_logs"]) < 10000:
                    self.ev["epoch_logs"].append(rec)

        import inspect

        fit_signature = inspect.signature(original_fit)

        def fit(self, *args, **kwargs):
            ev = base_event("fit", self)
            ev["epoch_logs"] = []
            call_args, call_kwargs = (self, *args), kwargs
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
                ev["batch_size"] = int(batch) if batch is not None else None
                if hasattr(x, "shape") and getattr(x, "shape", None):
                    split = arguments.get("validation_split") or 0.0
                    ev["samples"] = int(int(x.shape[0]) * (1 - float(split)))
                    ev["input_stats"] = input_stats(x)
                key = ev["model_id"]
                ev["compile_count"] = state.compile_counts.get(key, 0)
                ev["stale_trainable"] = key in state.compiled_flags and state.compiled_flags[key] != flags(self)
                ev["optimizer"], ev["optimizer_id"], ev["optimizer_config"] = optimizer_info(self)
                given = list(arguments.get("callbacks") or [])
                ev["callbacks"] = [type(c).__name__ for c in given][:20]
                arguments["callbacks"] = [*given, TraceCallback(ev)]
                call_args, call_kwargs = bound.args, bound.kwargs
            except Exception as exc:
                note_error("fit trace setup", exc)
            n_warn = len(state.warnings)
            state.events.append(ev)
            t0 = time.perf_counter()
            try:
                return original_fit(*call_args, **call_kwargs)
            except BaseException as exc:
                ev["error"] = f"{type(exc).__name__}: {exc}"[:1000]
                raise
            finally:
                ev["seconds"] = time.perf_counter() - t0
                ev["warnings"] = [w["message"] for w in state.warnings[n_warn:]][:20]

        def input_stats(x):
            """Shape and value range of an array input (a strided sample keeps it cheap)."""
            try:
                import numpy as np

                if isinstance(x, (list, tuple)) or not hasattr(x, "shape"):
                    return {}
                arr = np.asarray(keras.ops.convert_to_numpy(x))
                flat = arr.reshape(-1)
                step = max(1, flat.size // 100000)
                sample = flat[::step].astype("float64")
                return {"shape": [int(d) for d in arr.shape], "min": float(sample.min()), "max": float(sample.max()),
                        "mean": float(sample.mean())}
            except Exception:
                return {}

        original_predict = owner("predict").predict

        def predict(self, x, *args, **kwargs):
            if len([e for e in state.events if e["kind"] == "predict"]) < 200:
                ev = base_event("predict", self)
                ev["input_stats"] = input_stats(x)
                state.events.append(ev)
            return original_predict(self, x, *args, **kwargs)

        owner("compile").compile = compile
        owner("fit").fit = fit
        owner("predict").predict = predict

        # --- weight overrides ------------------------------------------------------------
        overrides = cfg.get("weight_overrides") or {}
        keras_home = os.environ.get("KERAS_HOME", "")
        app_names = {"resnet50": "ResNet50"}
        for key, rel in overrides.items():
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

    import importlib.abc
    import importlib.util

    class KerasImportHook(importlib.abc.MetaPathFinder):
        """Runs install_keras right after the top-level ``keras`` module is executed.

        Stays installed until Keras is really imported: TensorFlow probes for Keras
        with importlib.util.find_spec, which asks this finder without importing.
        """

        busy = False

        def find_spec(self, name, path=None, target=None):
            if name != "keras" or self.busy:
                return None
            self.busy = True
            try:
                spec = importlib.util.find_spec(name)
            finally:
                self.busy = False
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            original_exec = spec.loader.exec_module
            hook = self

            def exec_module(module):
                original_exec(module)
                if hook in sys.meta_path:
                    sys.meta_path.remove(hook)
                try:
                    install_keras(module)
                except Exception as exc:
                    note_error("keras hooks", exc)

            spec.loader.exec_module = exec_module
            return spec

    if "keras" in sys.modules:
        install_keras(sys.modules["keras"])
    else:
        sys.meta_path.insert(0, KerasImportHook())

    return state
