"""The package's layout rules: one way imports, small modules, torch only where needed."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tomllib

import textcnn

PACKAGE = Path(textcnn.__file__).parent
ROOT = PACKAGE.parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    where = PACKAGE.parent / dotted.replace(".", "/")
    return where.with_suffix(".py").exists() or where.is_dir()


def _imports(path: Path) -> set[str]:
    """Package modules ``path`` imports, at the top or inside functions (lazy)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        target = f"{base}.{node.module}" if node.module else base
        for alias in node.names:  # `from . import _text` names a module, not an attribute
            sub = f"{target}.{alias.name}"
            found.add(sub if _is_module(sub) else target)
    return found


def test_imports_run_one_way():
    """No import circle among the modules, lazy imports included.

    The package root (``textcnn/__init__.py``: the version and the lazy public names)
    is left out: every module may read ``__version__`` from it.
    """
    files = [p for p in PACKAGE.rglob("*.py")]
    graph = {_module_name(p): _imports(p) for p in files}
    graph = {m: {t for t in deps if t != "textcnn" and t != m} for m, deps in graph.items()}
    graph.pop("textcnn")
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                cycle = path[path.index(dep) :] + [dep]
                raise AssertionError(f"import circle: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_no_module_is_over_500_lines():
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert {k: v for k, v in sizes.items() if v > 500} == {}


def test_the_linear_encoder_and_the_cli_help_do_not_import_torch():
    code = (
        "import sys\n"
        "from textcnn import TfidfLinearEncoder\n"
        "import textcnn.cli, textcnn.io, textcnn._model_file\n"
        "TfidfLinearEncoder(cv=2).fit_transform(['good', 'bad'] * 4, [1, 0] * 4)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_model_file_format_knows_no_encoder_or_tensor_name():
    """The format asks the encoder for its state; only the network module names tensors."""
    source = (PACKAGE / "_model_file.py").read_text()
    for name in ("TextCNNEncoder", "TextRNNEncoder", "embedding.tuned", "output.weight"):
        assert name not in source.split('"""', 2)[2]  # the code, past the module docstring
    assert "textcnn._encoders" not in _imports(PACKAGE / "_model_file.py")
    assert "textcnn._encoders" not in _imports(PACKAGE / "io.py")


def test_docstrings_are_written_as_they_read_and_their_examples_run():
    """No doubled braces (``str.format`` templates); doctests are part of ``make test``."""
    for path in PACKAGE.rglob("*.py"):
        assert "{{" not in path.read_text(), path
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert "--doctest-modules" in options["ini_options"]["addopts"]
    assert "textcnn" in options["ini_options"]["testpaths"]
    from textcnn import TextRNNEncoder

    assert 'cell : {"gru", "lstm"}, default="gru"' in TextRNNEncoder.__doc__
    assert "{contract}" not in TextRNNEncoder.__doc__
    assert "{network_params}" not in TextRNNEncoder.__doc__
