"""k-gram hashing and robust winnowing: the paper's guarantees, stability across processes, order independence."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness.integrity.fingerprint import code_units, fingerprint_channel, prose_units
from harness.integrity.winnow import kgram_hashes, winnow
from tests.unit.integrity_class import sample_cells


def test_kgram_hashes_are_stable_across_processes():
    expected = [int.from_bytes(hashlib.blake2b("\x1f".join(g).encode(), digest_size=8).digest(), "big")
                for g in ("abc", "bcd", "cde")]
    assert kgram_hashes(list("abcde"), 3) == expected
    code = "from harness.integrity.winnow import kgram_hashes; print(kgram_hashes(list('abcde'), 3))"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(Path(harness.__file__).parents[1])}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(expected)


def test_kgram_counts_and_argument_checks():
    assert len(kgram_hashes(list("abcdef"), 4)) == 3
    assert kgram_hashes(list("ab"), 4) == []
    assert kgram_hashes(["ab", "c"], 2) != kgram_hashes(["a", "bc"], 2)  # token boundaries matter
    with pytest.raises(ValueError, match="k=0"):
        kgram_hashes(["a"], 0)
    with pytest.raises(ValueError, match="w=0"):
        winnow([1, 2], 0)


def test_winnow_picks_the_rightmost_minimum_once_per_change():
    hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]  # the paper's example
    assert winnow(hashes, 4) == [(17, 3), (17, 6), (8, 8), (39, 11), (17, 15)]
    assert winnow([5, 5, 5, 5, 5], 3) == [(5, 2), (5, 3), (5, 4)]
    assert winnow([3, 1, 2], 10) == [(1, 1)]  # shorter than a window: its minimum
    assert winnow([], 4) == []
    assert [h for h, _ in winnow([4, 2, 9], 1)] == [4, 2, 9]


@pytest.mark.parametrize("seed", range(20))
def test_every_shared_passage_of_the_guarantee_length_shares_a_fingerprint(seed):
    rng = random.Random(seed)
    k, w = rng.randint(2, 8), rng.randint(1, 8)
    vocab = [f"t{i}" for i in range(rng.randint(3, 40))]
    shared = [rng.choice(vocab) for _ in range(w + k - 1)]
    a = [rng.choice(vocab) for _ in range(rng.randint(0, 60))] + shared + [rng.choice(vocab) for _ in range(30)]
    b = [rng.choice(vocab) for _ in range(rng.randint(0, 60))] + shared + [rng.choice(vocab) for _ in range(30)]
    fa = {h for h, _ in winnow(kgram_hashes(a, k), w)}
    fb = {h for h, _ in winnow(kgram_hashes(b, k), w)}
    assert fa & fb


def test_density_is_about_two_over_w_plus_one():
    rng = random.Random(1)
    tokens = [str(rng.random()) for _ in range(20000)]
    n = len(winnow(kgram_hashes(tokens, 5), 9))
    assert 0.15 < n / len(tokens) < 0.25  # 2 / (9 + 1) = 0.2 for random text


def test_reordered_cells_and_sentences_keep_the_same_fingerprints():
    cells = [(i, s) for i, (kind, s) in enumerate(sample_cells("optimizers/correct.ipynb")) if kind == "code"]
    shuffled = random.Random(0).sample(cells, len(cells))
    assert (set(fingerprint_channel(code_units(cells), k=12, w=6).prints)
            == set(fingerprint_channel(code_units(shuffled), k=12, w=6).prints))
    text = "First sentence about the curves here. Second one about the losses there. Third on dropout rates now."
    swapped = "Third on dropout rates now. First sentence about the curves here. Second one about the losses there."
    assert (set(fingerprint_channel(prose_units([(0, text)]), k=3, w=2).prints)
            == set(fingerprint_channel(prose_units([(5, swapped)]), k=3, w=2).prints))
