"""Runs INSIDE the sandbox: a cap on the text a submission prints, and library chatter dropped.

Part of the prologue source (top-level definitions only). The cap keeps printing
gigabytes from flooding the grader; the filter drops TensorFlow/absl start-up logs
(the patterns come from the grader's configuration, `harness.execute.capture.CHATTER`),
which C libraries write to the process's stderr and ipykernel would otherwise show as
the student's own output.
"""


def install_output_cap(cfg):
    """Wraps sys.stdout/sys.stderr writes; returns (reinstall function, budget dict)."""
    import re
    import sys

    cap = int(cfg.get("max_output_bytes", 1 << 20))
    budget = {"used": 0, "dropped": 0}
    chatter = re.compile(cfg["chatter"], re.MULTILINE) if cfg.get("chatter") else None

    def capped(stream):
        original = stream.write

        def write(text):
            if not isinstance(text, str):
                return original(text)
            n = len(text)
            if chatter is not None and n < 65536:
                text = chatter.sub("", text)
                if not text:
                    return n
            room = cap - budget["used"]
            if room <= 0:
                budget["dropped"] += len(text)
                return n
            if len(text) > room:
                original(text[:room])
                original(f"\n[labgrade: output truncated after {cap} bytes]\n")
                budget["used"] = cap
                budget["dropped"] += len(text) - room
                return n
            budget["used"] += len(text)
            original(text)
            return n

        return write

    def install():
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

    install()
    return install, budget
