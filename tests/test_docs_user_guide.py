"""Every code example of the user guide, the front page and the README runs.

Doctest blocks (``>>>``, at the margin or indented inside a directive such
as an exercise's solution) are checked against the output they show, so the
numbers quoted there come from the run; ``.. code-block:: python`` blocks (and
the README's ```python blocks) are executed. The blocks of one page run in
order in one namespace, as a reader would type them.
"""

import doctest
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs" / "user_guide").glob("*.rst")) + [ROOT / "docs" / "index.rst"]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _blocks(text, markdown=False):
    """``(kind, line, source)`` for each example of a page, in order."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if markdown and line.strip() == "```python":
            end = lines.index("```", i + 1)
            yield "code", i + 1, "\n".join(lines[i + 1 : end])
            i = end + 1
        elif not markdown and line.strip() == ".. code-block:: python":
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith("   ")):
                j += 1
            body = [ln[3:] for ln in lines[i + 1 : j]]
            yield "code", i + 1, "\n".join(body).strip("\n")
            i = j
        elif not markdown and line.lstrip().startswith(">>>"):
            # At the margin, or indented inside a directive (an exercise's
            # solution): the block ends at the first blank line.
            indent = len(line) - len(line.lstrip())
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            body = [ln[indent:] for ln in lines[i:j]]
            yield "doctest", i + 1, "\n".join(body) + "\n"
            i = j
        else:
            i += 1


def _run(path, markdown=False):
    namespace = {"__name__": "__docs__"}
    ran = 0
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for kind, lineno, source in _blocks(path.read_text(encoding="utf-8"), markdown):
        where = f"{path.relative_to(ROOT)}:{lineno}"
        if kind == "code":
            exec(compile(source, where, "exec"), namespace)
        else:
            test = doctest.DocTestParser().get_doctest(source, namespace, where, where, lineno)
            report = []
            result = runner.run(test, out=report.append, clear_globs=False)
            assert result.failed == 0, "".join(report)
            namespace.update(test.globs)  # the test ran on a copy of the namespace
        ran += 1
    return ran


@pytest.fixture(autouse=True)
def _no_windows():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_example_of_the_page_runs(page):
    ran = _run(page)
    if page.stem != "index" and page.parent.name == "user_guide":
        has_code = ">>>" in page.read_text() or "code-block:: python" in page.read_text()
        assert ran or not has_code


def test_the_readme_example_runs():
    assert _run(ROOT / "README.md", markdown=True) >= 1


def test_the_user_guide_shows_no_code_that_is_not_run():
    # Every Python example is a doctest or a python code-block; no other
    # kind of literal block hides code from the test above.
    for page in PAGES:
        text = page.read_text()
        blocks = re.findall(r"\.\. code-block:: (\w+)", text)
        assert set(blocks) <= {"python", "bash", "text"}, page.name


def test_every_page_of_the_guide_ends_with_exercises_and_worked_solutions():
    # Two or three exercises a page; each solution shows its working as a
    # doctest, which the test above runs.
    for page in PAGES:
        if page.parent.name != "user_guide" or page.stem == "index":
            continue
        text = page.read_text()
        assert "\nExercises\n---------\n" in text, page.name
        exercises = text.split("\nExercises\n---------\n", 1)[1]
        solutions = exercises.split(".. admonition:: Solution")[1:]
        assert 2 <= len(solutions) <= 3, page.name
        for solution in solutions:
            assert "      >>> " in solution, page.name


def test_the_guide_numbers_its_steps_as_the_gallery_does():
    # "4. Towers ..." in the guide shows the gallery's plot_04a_, plot_04b_, ...:
    # one numbering for both.
    steps = {}
    for page in PAGES:
        match = re.search(r"^(\d+)\. ", page.read_text(), re.MULTILINE)
        if page.parent.name == "user_guide" and match:
            steps[int(match.group(1))] = page.read_text()
    assert sorted(steps) == list(range(1, len(steps) + 1))
    scripts = sorted((ROOT / "docs" / "examples").glob("plot_[0-9]*.py"))
    assert scripts
    for script in scripts:
        step = int(re.match(r"plot_(\d+)", script.stem).group(1))
        assert f"sphx_glr_{script.stem}_" in steps[step], script.name
