import numpy as np
import pytest
import torch

from textcnn._nn import TextCNN, TextRNN, WordEmbedding, conv_output_mask, masked_max
from textcnn._training import FittedNet, length_batches, predict, resolve_device


def test_conv_output_mask_counts_wide_windows():
    mask = conv_output_mask(torch.tensor([0, 1, 4]), width=4, kernel_size=3)
    assert mask.shape == (3, 6)
    assert mask.sum(1).tolist() == [2, 3, 6]


def test_embedding_copies_pretrained_and_keeps_padding_zero():
    pretrained = torch.randn(6, 4)
    pretrained[0] = 0
    original = pretrained.clone()
    emb = WordEmbedding(6, 4, "non-static", pretrained)
    with torch.no_grad():
        emb.tuned.weight.add_(1.0)
    torch.testing.assert_close(pretrained, original)  # the caller's tensor is untouched
    assert emb.tuned.weight.requires_grad
    static = WordEmbedding(6, 4, "static", pretrained)
    assert not static.tuned.weight.requires_grad
    multi = WordEmbedding(6, 4, "multichannel", pretrained)
    assert multi.out_dim == 8
    assert multi(torch.tensor([[0, 2]])).shape == (1, 2, 8)
    rand = WordEmbedding(6, 4, "rand")
    assert torch.all(rand.tuned.weight[0] == 0)
    with pytest.raises(ValueError, match="needs pretrained"):
        WordEmbedding(6, 4, "static")
    with pytest.raises(ValueError, match="embedding_mode"):
        WordEmbedding(6, 4, "dynamic", pretrained)


MODULES = {
    "cnn": lambda: TextCNN(WordEmbedding(50, 8, "rand"), n_outputs=3, kernel_sizes=(2, 3, 5)),
    "bigru": lambda: TextRNN(WordEmbedding(50, 8, "rand"), n_outputs=3, hidden_size=6),
    "bilstm": lambda: TextRNN(
        WordEmbedding(50, 8, "rand"), n_outputs=3, cell="lstm", hidden_size=6, num_layers=2
    ),
}


@pytest.mark.parametrize("kind", MODULES)
def test_row_output_independent_of_batch(kind):
    torch.manual_seed(0)
    module = MODULES[kind]().eval()
    net = FittedNet(module, "classification")
    rng = np.random.RandomState(0)
    lengths = np.array([0, 1, 2, 7, 30, 3, 12])
    ids = np.zeros((len(lengths), 30), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.randint(2, 50, size=n)
    together = predict(net, ids, lengths, batch_size=64)
    alone = np.vstack(
        [
            predict(net, ids[i : i + 1, : max(1, n)], lengths[i : i + 1])
            for i, n in enumerate(lengths)
        ]
    )
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predict(net, ids, lengths, batch_size=2), together, atol=1e-6)
    np.testing.assert_allclose(together.sum(1), 1.0, rtol=1e-6)


def test_length_batches_cover_all_rows_once():
    lengths = np.random.RandomState(0).randint(0, 40, size=1000)
    batches = list(length_batches(lengths, 32, np.random.RandomState(1)))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    # sorted within chunks: padding waste is small
    waste = sum(len(b) * lengths[b].max() - lengths[b].sum() for b in batches)
    assert waste < 0.1 * lengths.sum()


def test_resolve_device_cpu_fallback(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_masked_max_ignores_padding_steps():
    h = torch.tensor([[[1.0], [9.0], [9.0]], [[-2.0], [-1.0], [7.0]], [[-3.0], [8.0], [8.0]]])
    assert masked_max(h, torch.tensor([1, 2, 0])).ravel().tolist() == [1.0, -1.0, -3.0]


def test_rnn_rejects_unknown_cell():
    with pytest.raises(ValueError, match="cell"):
        TextRNN(WordEmbedding(5, 2, "rand"), 2, cell="transformer")
