"""Code and prose normalisation: what a copier changes cheaply disappears, the rest stays, nothing crashes."""

from __future__ import annotations

import random
import unicodedata

import pytest

from harness.integrity.codetokens import blank_magics, code_tokens
from harness.integrity.prosetokens import korean_stem, prose_tokens, sentences
from tests.unit.integrity_class import KOREAN_DROPOUT_1, RENAMES, rename_identifiers, sample_cells


def texts(tokens):
    return [t for t, _, _ in tokens]


def test_renamed_identifiers_literals_and_comments_give_the_same_stream():
    original = ('model = keras.Sequential([keras.layers.Dense(64, activation="relu")])  # my model\n'
                'history = model.fit(x_train, y_train, epochs=10, validation_data=(x_val, y_val))\n')
    disguised = ('net = keras.Sequential([keras.layers.Dense(128, activation="elu")])\n'
                 '# train it\n\n'
                 'h = net.fit(a,\n          b, epochs=12, validation_data=(c, d))')
    assert texts(code_tokens(original)) == texts(code_tokens(disguised))


def test_api_names_keywords_builtins_and_imports_are_kept():
    toks = texts(code_tokens("import numpy as np\nfrom keras import layers\nfor i in range(3):\n"
                             "    model.fit(x, epochs=i)\n"))
    assert toks[:4] == ["import", "numpy", "as", "V"]
    assert ["from", "keras", "import", "layers"] == toks[5:9]
    for kept in ("for", "in", "range", "fit", "epochs"):
        assert kept in toks
    assert "model" not in toks and "np" not in toks and "i" not in toks


def test_a_user_function_and_its_parameters_are_identifiers():
    assert texts(code_tokens("def build(width):\n    return width")) == texts(code_tokens("def f(w):\n    return w"))


def test_sample_notebook_renamed_keeps_every_token():
    for kind, source in sample_cells("cats-dogs/correct.ipynb"):
        if kind == "code":
            assert texts(code_tokens(source)) == texts(code_tokens(rename_identifiers(source, RENAMES)))


def test_offsets_point_at_the_source():
    source = "x = compute(alpha=1)  # note\nprint('done')\n"
    for text, start, end in code_tokens(source):
        piece = source[start:end]
        if text in ("V", "N", "S"):
            assert piece and piece[0] not in " #"
        elif text != ";":
            assert piece == text


@pytest.mark.parametrize("magic", ["%matplotlib inline", "!pip install -q keras", "files = !ls data",
                                   "%timeit model.predict(x)", "model.fit?", "?keras.layers.Dense"])
def test_ipython_magics_are_ignored(magic):
    body = "model = keras.Sequential()\nmodel.compile(loss='mse')\n"
    assert texts(code_tokens(magic + "\n" + body)) == texts(code_tokens(body))
    assert len(blank_magics(magic + "\n" + body)) == len(magic + "\n" + body)  # offsets stay exact


def test_cell_magics():
    assert code_tokens("%%bash\nls -l data/train | wc -l\n") == []
    assert code_tokens("%%html\n<script>alert(1)</script>") == []
    assert texts(code_tokens("%%time\nhistory = model.fit(x, y)\n")) == texts(code_tokens("h = m.fit(a, b)\n"))


def test_syntax_errors_do_not_lose_the_rest_of_the_cell():
    source = ("model = keras.Sequential()\n"
              "def broken(:\n"
              "  if True:\n"
              " x = 1\n"                      # inconsistent dedent: IndentationError
              "s = '''never closed\n"
              "history = model.fit(x, y, epochs=3)\n")
    toks = texts(code_tokens(source))
    assert toks[:6] == ["V", "=", "V", ".", "Sequential", "("]
    assert "fit" in toks and "epochs" in toks  # resumed after the unterminated string


@pytest.mark.parametrize("seed", range(5))
def test_junk_never_raises(seed):
    rng = random.Random(seed)
    junk = "".join(chr(rng.choice([rng.randrange(0, 128), rng.randrange(0xAC00, 0xD7A4), rng.randrange(0, 0x10FFFF)]))
                   for _ in range(3000))
    junk = junk.replace("\ud800", "")
    assert isinstance(code_tokens(junk), list)
    assert isinstance(prose_tokens(junk), list)
    assert isinstance(code_tokens("(" * 5000 + "'''" + ")" * 10), list)


def test_prose_is_case_punctuation_and_number_insensitive():
    a = "The **Validation** accuracy reached 0.912 after 10 epochs!"
    b = "the validation accuracy, reached: 97.3 % after 12 epochs"
    assert texts(prose_tokens(a)) == texts(prose_tokens(b))
    assert texts(prose_tokens("ＦＵＬＬ width")) == ["full", "width"]


@pytest.mark.parametrize("word,stem", [
    ("정확도가", "정확"), ("정확도는", "정확"), ("모델에서는", "모델"), ("감소하였으므로", "감소"), ("감소했으므로", "감소"),
    ("나타나는데", "나타"), ("나타났는데", "나타"), ("높았다", "높"), ("높다", "높"), ("학습", "학습"), ("수", "수"),
])
def test_korean_stems(word, stem):
    assert korean_stem(word) == stem


def test_korean_particles_and_endings_do_not_change_the_stream():
    a = "검증 정확도가 첫 에포크 후 0.91이었고 마지막에는 0.95로 높았다."
    b = "검증 정확도는 첫 에포크 후 0.93이었으며 마지막에 0.96으로 높다."
    assert texts(prose_tokens(a)) == texts(prose_tokens(b))
    assert texts(prose_tokens("val_accuracy가 올랐다")) == ["val", "accuracy", "올랐"]


def test_sentences_split_at_sentence_ends_not_inside_numbers():
    source = "Accuracy was 0.91 at the end. Loss fell!\n\n- a list item\nstill the item\n# Heading"
    groups = [texts(g) for g in sentences(source, prose_tokens(source))]
    assert groups == [["accuracy", "was", "#", "at", "the", "end"], ["loss", "fell"],
                      ["a", "list", "item", "still", "the", "item"], ["heading"]]
    assert len(sentences(KOREAN_DROPOUT_1, prose_tokens(KOREAN_DROPOUT_1))) == 7  # heading + 6 sentences


def test_particles_glued_to_markup_or_numbers_are_dropped():
    assert texts(prose_tokens("뉴런의 20%가 꺼진다")) == texts(prose_tokens("뉴런의 20 꺼진다"))
    assert texts(prose_tokens("`model`은 (val_loss)가 크다")) == ["model", "val", "loss", "크"]


def test_decomposed_and_compatibility_hangul_read_as_syllables():
    assert texts(prose_tokens(unicodedata.normalize("NFD", "정확도가 높다"))) == ["정확", "높"]
    assert texts(prose_tokens("\u3131\u314f")) == ["가"]
