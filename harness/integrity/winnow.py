"""k-gram hashing and winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003).

A document (a token stream) is cut into overlapping k-grams; each k-gram is hashed; in every
window of `w` consecutive hashes the smallest is selected (the rightmost one on ties: "robust
winnowing", which keeps fewer fingerprints on repetitive text), and each selection is recorded
once. Guarantees: any passage shared by two documents that is at least ``w + k - 1`` tokens
long yields at least one shared fingerprint; nothing shorter than `k` tokens ever does (noise
threshold).

Hashes are the first 8 bytes of BLAKE2b of the k-gram's tokens, so they are the same in every
process and on every run (Python's ``hash()`` is salted per process), can be computed in
worker processes and written to ``similarity.json``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Sequence

_SEP = "\x1f"


def kgram_hashes(tokens: Sequence[str], k: int) -> list[int]:
    """The stable 64-bit hash of every k-gram of `tokens` (none when there are fewer than `k`).

    Args:
        tokens: normalised token texts.
        k: tokens per k-gram (at least 1).

    Raises:
        ValueError: when `k` is below 1.
    """
    if k < 1:
        raise ValueError(f"k-gram length must be at least 1; received k={k}.")
    blake = hashlib.blake2b
    return [int.from_bytes(blake(_SEP.join(tokens[i:i + k]).encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                           "big") for i in range(len(tokens) - k + 1)]


def winnow(hashes: Sequence[int], w: int) -> list[tuple[int, int]]:
    """Robust winnowing: the ``(hash, position)`` fingerprints selected from `hashes`.

    A sequence shorter than one window still gives its minimum (so a short cell is not
    invisible as long as it has a k-gram at all).

    Args:
        hashes: k-gram hashes in document order.
        w: window size (at least 1; 1 keeps every hash).

    Raises:
        ValueError: when `w` is below 1.
    """
    if w < 1:
        raise ValueError(f"winnowing window must be at least 1; received w={w}.")
    n = len(hashes)
    if n == 0:
        return []
    if n <= w:
        low = min(hashes)
        pos = max(i for i, h in enumerate(hashes) if h == low)
        return [(low, pos)]
    selected: list[tuple[int, int]] = []
    window: deque[int] = deque()  # positions whose hashes increase from left to right
    last = -1
    for i, h in enumerate(hashes):
        while window and hashes[window[-1]] >= h:  # '>=': on ties the rightmost survives
            window.pop()
        window.append(i)
        if window[0] <= i - w:
            window.popleft()
        if i >= w - 1 and window[0] != last:
            last = window[0]
            selected.append((hashes[last], last))
    return selected
