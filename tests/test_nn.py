import numpy as np
import pytest
import torch

from textcnn._model_file.state import cnn_to_file
from textcnn._torch import FittedNet, TextCNN, TextRNN, WordEmbedding, predict
from textcnn._torch.device import resolve_device
from textcnn._torch.layers import invalid_steps, masked_max, max_over_time


def test_invalid_steps_count_wide_windows():
    """A width-3 wide convolution of n tokens has n + 2 valid outputs (2 for n = 0)."""
    lengths = torch.tensor([0, 1, 4])
    invalid = invalid_steps((lengths + 3 - 1)[:, None], 6)
    assert invalid.shape == (3, 6, 1)
    assert (~invalid).sum(1).ravel().tolist() == [2, 3, 6]


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
    # an unknown mode is the estimators' to refuse (their parameter table; test_encoder)


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
    lengths = torch.tensor([1, 2, 0]).clamp(min=1)  # as the RNN reads an empty text
    assert masked_max(h.clone(), invalid_steps(lengths[:, None], 3)).ravel().tolist() == [
        1.0,
        -1.0,
        -3.0,
    ]
    # groups of channels have their own ends; the gradient goes to the first maximum
    a = torch.tensor([[[1.0, 4.0], [3.0, 5.0], [3.0, 6.0]]], requires_grad=True)
    pooled = masked_max(a.clone(), invalid_steps(torch.tensor([[3, 2]]), 3))
    assert pooled.tolist() == [[3.0, 5.0]]
    (grad,) = torch.autograd.grad(pooled.sum(), a)
    assert grad[0].tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    values, index = max_over_time(a.detach().clone(), invalid_steps(torch.tensor([[0, 1]]), 3))
    assert values.tolist() == [[float("-inf"), 4.0]] and index[0, 1, 0] == 0


def _reference_cnn_features(model: TextCNN, ids: torch.Tensor, lengths: torch.Tensor):
    """Kim's CNN written the textbook way: one wide conv1d per width, masked max.

    The filters come from the model file's layout (``convs.<i>.weight``), so this also
    checks the mapping between the stacked filters and torch's ``Conv1d`` weights.
    """
    weights = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    file = cnn_to_file(weights, model.kernel_sizes)
    x = torch.nn.functional.embedding(ids, model.table)
    if model.frozen is not None:
        x = torch.cat([torch.nn.functional.embedding(ids, model.frozen), x], dim=-1)
    x = x.transpose(1, 2)  # (N, C, L)
    pooled = []
    for i, k in enumerate(model.kernel_sizes):
        w, b = (torch.from_numpy(file[f"convs.{i}.{n}"]) for n in ("weight", "bias"))
        h = torch.relu(torch.nn.functional.conv1d(x, w, b, padding=k - 1))  # (N, F, L + k - 1)
        valid = torch.arange(h.shape[2])[None, :] < (lengths[:, None] + k - 1)
        pooled.append(h.masked_fill(~valid[:, None, :], 0.0).amax(dim=2))
    return torch.cat(pooled, dim=1)


@pytest.mark.parametrize("mode", ["rand", "multichannel"])
def test_stacked_cnn_equals_one_conv_per_width(mode):
    torch.manual_seed(0)
    pretrained = torch.randn(30, 6)
    pretrained[0] = 0  # PAD row, as build_matrix makes it
    model = TextCNN(WordEmbedding(30, 6, mode, pretrained), 2, kernel_sizes=(4, 2, 3), n_filters=5)
    ids = torch.randint(1, 30, (4, 7))
    lengths = torch.tensor([7, 3, 1, 0])
    for row, n in enumerate(lengths.tolist()):
        ids[row, n:] = 0
    got = model.features(ids, lengths)[0]  # a single network: a group of one
    want = _reference_cnn_features(model, ids, lengths)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    (grad_got,) = torch.autograd.grad(got.square().sum(), model.table)
    (grad_want,) = torch.autograd.grad(want.square().sum(), model.table)
    # the padding row (0) gets no gradient in the network (it stays zero)
    assert torch.all(grad_got.to_dense()[0] == 0)
    torch.testing.assert_close(grad_got.to_dense()[1:], grad_want[1:], rtol=1e-4, atol=1e-6)


def test_mixed_precision_only_on_cuda(monkeypatch):
    from textcnn._torch.device import amp_dtype

    assert amp_dtype("cpu") is None
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert amp_dtype("cuda") == torch.bfloat16
    assert amp_dtype("cuda:1") == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert amp_dtype("cuda") is None  # older GPUs: fp32 (fp16 would need loss scaling)


def test_trained_network_is_returned_on_cpu_in_eval_mode():
    from textcnn._torch import TrainConfig, train

    rng = np.random.RandomState(0)
    ids = rng.randint(1, 20, size=(40, 6))
    lengths = np.full(40, 6)
    y = rng.randint(0, 2, size=40)
    cfg = TrainConfig(max_epochs=2, batch_size=8, early_stopping=False)
    net = train(lambda: MODULES["cnn"](), ids, lengths, y, "classification", cfg, seed=0)
    assert not net.module.training
    assert {p.device.type for p in net.module.parameters()} == {"cpu"}
    assert net.best_epoch == 2
