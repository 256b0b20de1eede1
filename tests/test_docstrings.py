"""numpydoc validation of every public docstring.

The public API is found from ``sknn_intuition.__all__``: every public class and
function, and every public method or property that the package itself defines
(methods inherited from scikit-learn's mixins, such as ``get_params``,
``set_params``, ``score`` or ``set_fit_request``, are scikit-learn's docstrings
and are left to it). A newly exported estimator is checked without any change
here.

Checked codes (see numpydoc's ``validate`` for their meaning):

* GL02, GL03, GL05, GL06, GL07, GL08, GL09, GL10: layout, unknown or misordered
  sections, missing docstring;
* SS01-SS06: a one-line summary, capitalised, ending with a full stop, in the
  imperative for methods;
* PR01-PR10: every parameter documented, none unknown, in order, with a type
  and a description;
* RT01-RT05, YD01: the Returns / Yields section;
* EX01: an Examples section, required of classes and functions (methods are
  shown in their class's examples, as in scikit-learn).

Not checked: GL01 (summary on the line of the opening quotes is the house
style), SA01 (See Also), ES01 (extended summary), RT02 (named return values
are the house style).
"""

import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

import sknn_intuition  # noqa: E402

CHECKED = {
    *(f"GL{i:02d}" for i in (2, 3, 5, 6, 7, 8, 9, 10)),
    *(f"SS{i:02d}" for i in range(1, 7)),
    *(f"PR{i:02d}" for i in range(1, 11)),
    "RT01",
    "RT03",
    "RT04",
    "RT05",
    "YD01",
    "EX01",
}


def _own(obj):
    """True for a function or property defined in this package."""
    func = obj.fget if isinstance(obj, property) else obj
    func = getattr(func, "__func__", func)  # classmethod / staticmethod
    return (getattr(func, "__module__", None) or "").startswith("sknn_intuition")


def public_api():
    """Import paths of every public class, function, method and property."""
    paths = []
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # __version__
        paths.append(f"sknn_intuition.{name}")
        if not inspect.isclass(obj):
            continue
        for attr, member in inspect.getmembers(obj):
            if attr.startswith("_"):
                continue
            raw = inspect.getattr_static(obj, attr)
            if isinstance(raw, property) and _own(raw):
                paths.append(f"sknn_intuition.{name}.{attr}")
            elif callable(member) and _own(member):
                paths.append(f"sknn_intuition.{name}.{attr}")
    return paths


PUBLIC_API = public_api()


def test_public_api_found():
    names = {p.split(".")[1] for p in PUBLIC_API}
    assert "PerceptronClassifier" in names
    assert "sknn_intuition.PerceptronClassifier.fit" in PUBLIC_API
    # Inherited from scikit-learn, documented there.
    assert "sknn_intuition.PerceptronClassifier.get_params" not in PUBLIC_API
    assert "sknn_intuition.PerceptronClassifier.score" not in PUBLIC_API


def checked_errors(import_path):
    """The errors of ``import_path``'s docstring among the checked codes."""
    result = numpydoc_validate.validate(import_path)
    # Top-level classes and functions need Examples; their methods do not.
    needs_examples = import_path.count(".") == 1
    return [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code in CHECKED and (code != "EX01" or needs_examples)
    ]


@pytest.mark.parametrize("import_path", PUBLIC_API)
def test_docstring(import_path):
    errors = checked_errors(import_path)
    assert not errors, f"{import_path}:\n" + "\n".join(errors)


def _badly_documented(x, y):
    """computes things

    Parameters
    ----------
    x : int
        The first number.
    z : int
        Not a parameter.
    """
    return x + y


def test_checker_flags_a_bad_docstring():
    # The oracle: a docstring with known faults, validated by the same code path.
    codes = {e.split(":")[0] for e in checked_errors(f"{__name__}._badly_documented")}
    assert {"SS02", "SS03", "PR01", "PR02", "RT01", "EX01"} <= codes
