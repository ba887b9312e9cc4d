"""The documentation's promises: every public name has an API entry and a runnable example.

The examples themselves run as doctests (``--doctest-modules``); the Sphinx build (``make
docs``, with warnings as errors in CI) renders them. These tests keep the lists in step:
a public name added without a docstring example or an API entry fails here, and so does
a link in the README or a docs page to a file that is not there.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = [
    "textcnn",
    "textcnn.autogluon",
    "textcnn.datasets",
    "textcnn.io",
    "textcnn.dask",
    "textcnn.cli",
]


def _public_names() -> list[tuple[str, str, object]]:
    names = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert hasattr(module, "__all__"), f"{module_name} declares no __all__"
        for name in module.__all__:
            names.append((module_name, name, getattr(module, name)))
    return names


CALLABLES = [
    (m, n, o) for m, n, o in _public_names() if inspect.isclass(o) or inspect.isfunction(o)
]


def test_public_names_are_found():
    found = {f"{m}.{n}" for m, n, _ in CALLABLES}
    assert len(found) >= 33
    assert {"textcnn.TextCNNEncoder", "textcnn.load", "textcnn.dask.transform"} <= found


@pytest.mark.parametrize(("module", "name", "obj"), CALLABLES, ids=lambda v: str(v)[:40])
def test_every_public_class_and_function_has_a_doctest_example(module, name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{module}.{name}: no numpydoc Examples section"
    examples = doc.split("Examples\n--------", 1)[1]
    assert ">>> " in examples, f"{module}.{name}: its Examples section has no doctest"


def test_every_public_name_has_an_api_entry():
    api = (ROOT / "docs" / "api.rst").read_text()
    missing = []
    for module_name, name, _ in _public_names():
        if name == "__version__":
            continue
        current = re.findall(r"^\.\. currentmodule:: (\S+)$", api, re.M)
        assert module_name in current, f"docs/api.rst has no section for {module_name}"
        # the name under its module's currentmodule block (autosummary entry or autodata)
        section = api.split(f".. currentmodule:: {module_name}\n", 1)[1].split(
            ".. currentmodule::", 1
        )[0]
        if not re.search(rf"^(   {name}|\.\. autodata:: {name})$", section, re.M):
            missing.append(f"{module_name}.{name}")
    assert missing == []


def _links(path: Path) -> list[str]:
    text = path.read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # not inside code blocks
    return re.findall(r"\]\(([^)\s]+)\)", text)


DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in _links(page):
        if re.match(r"[a-z]+://", target) or target.startswith(("#", "mailto:")):
            continue
        file = target.split("#", 1)[0]
        if not (page.parent / file).exists():
            broken.append(target)
    assert broken == []


def test_readme_is_one_screen_and_names_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 150
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci
    assert "make docs" in readme and "make docs" in ci


def test_set_up_timings_come_from_the_one_generated_file():
    """The demo, quickstart, suite and CI times: one dated file, read by the pages (issue 32)."""
    import json

    timings = json.loads((ROOT / "benchmarks" / "results" / "timings.json").read_text())
    subs = timings["substitutions"]
    used = {page: set(re.findall(r"\{\{\s*(\w+)\s*\}\}", page.read_text())) for page in DOC_PAGES}
    assert {p for p in used if used[p] - set(subs)} == set()  # every name is in the file
    pages = [ROOT / "docs" / "getting_started.md", ROOT / "docs" / "user_guide" / "threads.md"]
    needed = {"demo_fit", "demo_when", "quickstart_fit", "suite_time", "ci_time", "ci_when"}
    assert needed <= set().union(*(used[p] for p in pages))
    text = "\n".join(p.read_text() for p in pages)
    # no hand-typed figure beside them: the demo's and the suite's times only as substitutions
    assert not re.search(r"fit_transform \d+(\.\d)? s", text)
    assert not re.search(r"\d+ min \d+ s", text)
    # each figure is dated (or says it was not measured yet: --suite / --ci not run)
    dated = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC|not measured"
    assert all(re.fullmatch(dated, v) for k, v in subs.items() if k.endswith("_when"))
    assert subs["demo_when"] != "not measured"
