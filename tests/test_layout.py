"""The package's layout rules: one way imports, small modules, torch only where needed.

Each rule names what breaks it, so a failure says where to look.
"""

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


def _graph() -> dict[str, set[str]]:
    graph = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}
    return {m: {t for t in deps if t != m} for m, deps in graph.items()}


def test_imports_run_one_way():
    """No import circle among the modules, lazy imports and the package root included.

    The root's lazy public names count: a module below the encoders that imported the
    root (say, for ``__version__``, which lives in ``textcnn._version``) closes a circle.
    """
    graph = _graph()
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
        "import textcnn._encoders\n"  # the neural estimators load torch on first fit only
        "textcnn.cli.build_parser().parse_args(['fit-transform', 'x.csv', '--text', 'a',"
        " '--target', 'b', '--model-out', 'm', '--out', 'o', '--max-time', '9'])\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _code(path: Path) -> str:
    """A module's source without its docstrings and comments (names used in code only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                body[0] = ast.Pass()
    return ast.unparse(tree)


def _library_files() -> dict[str, Path]:
    return {str(p.relative_to(PACKAGE)): p for p in sorted(PACKAGE.rglob("*.py"))}


#: The modules besides the ``_torch`` sub-package that may enter torch: the neural estimators.
NEURAL_ESTIMATORS = {"_neural_encoder.py", "_encoders.py"}


def test_torch_is_imported_only_in_its_sub_package_and_the_neural_estimators():
    offenders = {}
    for name, path in _library_files().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {
            n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
        }
        if any(m == "torch" or m.startswith("torch.") for m in imported if m):
            offenders[name] = "imports torch"
    allowed = {n for n in offenders if n.startswith("_torch/")} | NEURAL_ESTIMATORS
    assert {k: v for k, v in offenders.items() if k not in allowed} == {}


def test_the_torch_sub_package_is_entered_through_its_interface_only():
    """Outside ``_torch/``, modules import ``textcnn._torch`` itself, never its rooms."""
    graph = _graph()
    inside = [
        (m, t)
        for m, deps in graph.items()
        if not m.startswith("textcnn._torch")
        for t in deps
        if t.startswith("textcnn._torch.")
    ]
    assert inside == []
    # and the sub-package imports nothing of the estimators above it
    up = [
        (m, t)
        for m, deps in graph.items()
        if m.startswith("textcnn._torch")
        for t in deps
        if not t.startswith("textcnn._torch") and t not in ("textcnn._input", "textcnn._progress")
    ]
    assert up == []


def _strings(path: Path) -> list[str]:
    """The string constants of a module's code (f-string parts included, docstrings not)."""
    tree = ast.parse(_code(path))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_the_model_file_format_has_one_home():
    """Tensor names, the container and the state mapping live in ``_model_file/`` only."""
    names = ("embedding.tuned", "output.weight", "convs.", "tensors.npz", "manifest.json")
    outside = {
        name: [n for n in names if any(n in text for text in _strings(path))]
        for name, path in _library_files().items()
        if not name.startswith("_model_file/")
    }
    assert {k: v for k, v in outside.items() if v} == {}
    for name in ("_model_file/__init__.py", "_model_file/container.py", "_model_file/state.py"):
        deps = _imports(PACKAGE / name)
        assert not {d for d in deps if d.startswith(("textcnn._encoders", "textcnn._torch"))}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _code_lines(node: ast.AST) -> int:
    """Lines of a function past its docstring."""
    first = node.body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(
        getattr(first, "value", None), ast.Constant
    )
    start = node.body[1].lineno if docstring and len(node.body) > 1 else first.lineno
    return node.end_lineno - start + 1


def test_no_library_function_is_over_80_lines():
    long = {
        f"{name}:{fn.name}": _code_lines(fn)
        for name, path in _library_files().items()
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8")))
        if _code_lines(fn) > 80
    }
    assert long == {}


#: Methods called by a framework rather than by the package (sklearn, torch, AutoGluon).
FRAMEWORK_HOOKS = {
    "forward", "backward", "fit", "transform", "fit_transform", "get_feature_names_out",
    "parse_known_args", "_fit", "_transform", "_fit_transform", "_infer_features_in_args",
    "_get_default_auto_ngram_params", "get_model_state", "from_model_state", "top_ngrams",
    "save", "is_satisfied_by",
}  # fmt: skip


def test_no_library_function_is_called_only_by_tests():
    """Every private module's function is used by the package, a benchmark or an example.

    Doctests and tests do not count.

    Public modules (``cli``, ``io``, ``dask``, ``autogluon``, ``datasets``) are API: their
    public functions are for users.
    """
    sources = {
        name: ast.parse(p.read_text(encoding="utf-8")) for name, p in _library_files().items()
    }
    scripts = [p for d in ("benchmarks", "examples", "scripts") for p in (ROOT / d).glob("*.py")]
    used: set[str] = set()
    for tree in [*sources.values(), *(ast.parse(p.read_text(encoding="utf-8")) for p in scripts)]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.alias):
                used.add(node.name.rsplit(".", 1)[-1])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)  # getattr(module, "name") and __all__
    unused = []
    for name, tree in sources.items():
        public_module = not any(part.startswith("_") for part in Path(name).with_suffix("").parts)
        for fn in _functions(tree):
            if fn.name.startswith("__") or fn.name in FRAMEWORK_HOOKS:
                continue
            if public_module and not fn.name.startswith("_"):
                continue
            if fn.name not in used:
                unused.append(f"{name}:{fn.name}")
    assert unused == [], unused


def test_one_module_holds_the_thread_policy():
    """Only ``_threads.py`` reads the load, sets thread counts or limits thread pools."""
    marks = ("loadavg", "set_num_threads(", "threadpoolctl", "get_worker(", "cpu_count() or 1) -")
    found = {
        name: [m for m in marks if m in _code(path)]
        for name, path in _library_files().items()
        if name != "_threads.py"
    }
    assert {k: v for k, v in found.items() if v} == {}


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
