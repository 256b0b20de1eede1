"""The package's shape: short functions, no module nobody imports, one place
for losses, and a code map whose every cited name exists."""

import ast
import importlib
import pathlib
import re

import pytest
from _estimators import code_map_citations

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sknn_intuition"
MODULES = sorted(PACKAGE.glob("*.py"))


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _body_lines(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring does not count
    return 0 if not body else node.end_lineno - body[0].lineno + 1


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_function_body_is_longer_than_80_lines(path):
    tree = ast.parse(path.read_text())
    long = {f.name: _body_lines(f) for f in _functions(tree) if _body_lines(f) > 80}
    assert not long, f"{path.name}: {long}"


def _imported_modules(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
    return names


def test_every_module_is_imported_by_the_package():
    imported = set()
    for path in MODULES:
        imported |= _imported_modules(path) - {path.stem}
    # The package's entry points, and the optional ONNX export, dask training
    # and progress bar a user imports on purpose (extras [onnx], [dask],
    # [progress]).
    entry_points = {"__init__", "__main__", "onnx", "dask", "callbacks"}
    unused = {p.stem for p in MODULES} - imported - entry_points
    assert not unused


def test_only_the_loss_module_computes_losses():
    # The loss functions are written once: no other module defines a log,
    # a logaddexp or a squared difference of outputs and targets.
    for path in MODULES:
        if path.stem == "_losses":
            continue
        source = path.read_text()
        assert "logaddexp" not in source, path.name
        assert not re.search(r"def \w*(log_loss|squared_error)\w*\(", source), path.name


def test_every_name_the_code_map_cites_exists():
    cited = list(code_map_citations())
    assert len(cited) > 20
    for module, name in cited:
        obj = importlib.import_module(f"sknn_intuition.{module}")
        for part in name.split("."):
            assert hasattr(obj, part), f"{module}.{name}"
            obj = getattr(obj, part)


def test_the_package_imports_itself_only_relatively():
    # benchmarks/compare_revisions.py imports an older copy of the package
    # under another name beside this one: an absolute import in it would run
    # the new code. The ONNX export, which registers converters for the
    # package's classes by name, is never imported by the package itself.
    absolute = re.compile(r"^\s*(from|import)\s+sknn_intuition\b", re.MULTILINE)
    offending = [p.name for p in MODULES if p.name != "onnx.py" and absolute.search(p.read_text())]
    assert not offending
