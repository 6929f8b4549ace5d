"""Errors a user can fix: each says what was received and what to do, and maps to an exit code.

The CLI prints these as one message on stderr (no traceback) and exits with
`LabgradeError.exit_code`; anything else escaping a command is a labgrade bug and is
reported as such. Exit codes (documented in README and ``labgrade --help``):

* 0: the command did its job (a submission's low score is not an error);
* 1: some submission could not be graded at all, or labgrade itself failed;
* 2: bad input: a path, a file, a lab id, an option value, missing grader data, no sandbox.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class LabgradeError(Exception):
    """Base of the errors a user can fix. The message is the whole explanation.

    Attributes:
        exit_code: the CLI's exit code for it.
    """

    exit_code = EXIT_USAGE


class InputError(LabgradeError, ValueError):
    """A path, file or value given to labgrade cannot be used (unsupported type, not a folder...)."""


class NothingToGrade(LabgradeError):
    """The paths given hold no gradeable submission; the message lists what was skipped and why."""


class SandboxUnavailable(LabgradeError, RuntimeError):
    """Namespace isolation was required (grading untrusted code) but bubblewrap is not usable here."""


INSTALL_BWRAP = (
    "Install bubblewrap: Debian/Ubuntu `sudo apt-get install bubblewrap`, Fedora `sudo dnf install bubblewrap`, "
    "Arch `sudo pacman -S bubblewrap`."
)
