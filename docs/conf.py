"""Sphinx configuration for the sknn_intuition documentation.

Build (warnings are errors)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The API reference is generated from ``sknn_intuition.__all__``: this file writes
``generated/api.rst`` (one autosummary table per kind of object) before Sphinx
reads the sources, and autosummary writes one page per public name, so a newly
exported estimator gets its page without touching the docs.

Intersphinx and offline builds
------------------------------
Links into scikit-learn, numpy, scipy and matplotlib come from their
``objects.inv`` inventories. For each project the build uses, in this order:

1. a local copy ``docs/_intersphinx/<name>-objects.inv`` if present (download one
   with ``curl -o docs/_intersphinx/sklearn-objects.inv <url>/objects.inv``);
2. the online inventory, if the host answers within two seconds;
3. nothing: the project is left out of ``intersphinx_mapping`` and the names
   stay plain text.

Sphinx reports an unreachable inventory as an untyped warning that
``suppress_warnings`` cannot filter, so an offline build with ``-W`` would
fail; probing first keeps ``-W`` meaningful both online and offline. Set
``SKNN_DOCS_INTERSPHINX=0`` to skip the probe, ``=1`` to use the online
inventories without probing (the build then fails if they cannot be fetched).
"""

import importlib
import inspect
import os
import pathlib
import re
import socket
import sys
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "sphinxext"))

import sknn_intuition  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "sknn_intuition"
author = "The sknn_intuition developers"
copyright = "2025, " + author
release = sknn_intuition.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static: maths with no network
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "explorable",  # sliders over frames drawn at build time (sphinxext/)
    "sphinx_copybutton",
]

# The copy button copies code a reader can paste: the ">>> " and "... "
# prompts and the printed output of doctests are left out.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "README.md",
    "_intersphinx",
    "sphinxext",
    "check_pages.py",
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
]
root_doc = "index"
default_role = "literal"

# -- API reference, generated from __all__ -----------------------------------

autosummary_generate = True
autodoc_default_options = {}  # the class template lists the methods
autodoc_typehints = "none"
numpydoc_show_class_members = False  # the class template lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


# The estimators in the order the explanation meets them; names not listed
# (new ones) follow in alphabetical order.
_STORY = [
    "PerceptronClassifier",
    "SigmoidNeuronClassifier",
    "TowerRegressor",
    "FeedForwardRegressor",
    "FeedForwardClassifier",
    "NetworkDiagram",
    "TowerDisplay",
    "LossCurveDisplay",
]


def _story_order(name):
    return (_STORY.index(name) if name in _STORY else len(_STORY), name)


def _public_api():
    """Group the names of ``sknn_intuition.__all__`` for the API page."""
    groups = {"Estimators": [], "Displays": [], "Functions": [], "Other classes": []}
    for name in sorted(sknn_intuition.__all__, key=_story_order):
        if name.startswith("__"):
            continue  # __version__
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and name.endswith(("Display", "Diagram")):
            groups["Displays"].append(name)
        elif inspect.isclass(obj) and hasattr(obj, "fit"):
            groups["Estimators"].append(name)
        elif inspect.isclass(obj):
            groups["Other classes"].append(name)
        elif callable(obj):
            groups["Functions"].append(name)
    return {k: v for k, v in groups.items() if v}


# Modules imported by name, each for an optional extra: (module, title, intro).
_OPTIONAL_MODULES = [
    ("callbacks", "Progress (``sknn_intuition.callbacks``)",
     "A callback for scikit-learn's callback API; needs ``rich`` (extra ``[progress]``)."),
    ("dask", "Data-parallel training (``sknn_intuition.dask``)",
     "Training one model on several dask workers (extra ``[dask]``); see :doc:`/scaling_out`."),
    ("kernel", "Training kernel (``sknn_intuition.kernel``)",
     "The small interface a data-parallel trainer needs from an estimator."),
]


def _write_api_page():
    lines = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Every public name of :mod:`sknn_intuition`. The estimators follow",
        "scikit-learn's API: ``fit``, ``predict``, ``score``, ``get_params`` /",
        "``set_params``, and they work inside ``Pipeline`` and ``GridSearchCV``.",
        "",
        ".. currentmodule:: sknn_intuition",
        "",
    ]
    for title, names in _public_api().items():
        template = {"Functions": "function.rst", "Estimators": "estimator.rst"}.get(
            title, "class.rst"
        )
        lines += [
            title,
            "-" * len(title),
            "",
            ".. autosummary::",
            "   :toctree: .",
            f"   :template: {template}",
            "",
            *[f"   {n}" for n in names],
            "",
        ]
    for module, title, intro in _OPTIONAL_MODULES:
        mod = importlib.import_module(f"sknn_intuition.{module}")
        lines += [title, "-" * len(title), "", intro, ""]
        for name in mod.__all__:  # one table per name: each takes its own template
            obj = getattr(mod, name)
            template = "function.rst"
            if inspect.isclass(obj):
                template = "estimator.rst" if hasattr(obj, "fit") else "class.rst"
            lines += [".. autosummary::", "   :toctree: .", f"   :template: {template}", "",
                      f"   {module}.{name}", ""]
    out = HERE / "generated" / "api.rst"
    out.parent.mkdir(exist_ok=True)
    text = "\n".join(lines)
    if not out.exists() or out.read_text() != text:  # keep incremental builds quiet
        out.write_text(text)


_write_api_page()

# -- Intersphinx (see the module docstring) ----------------------------------

_INTERSPHINX = {
    "python": "https://docs.python.org/3",
    "sklearn": "https://scikit-learn.org/stable",
    "numpy": "https://numpy.org/doc/stable",
    "scipy": "https://docs.scipy.org/doc/scipy",
    "matplotlib": "https://matplotlib.org/stable",
}


def _reachable(url, timeout=2.0):
    host = urllib.parse.urlsplit(url).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _intersphinx_mapping():
    mode = os.environ.get("SKNN_DOCS_INTERSPHINX", "auto")
    mapping = {}
    for name, url in _INTERSPHINX.items():
        local = HERE / "_intersphinx" / f"{name}-objects.inv"
        if local.exists():
            mapping[name] = (url, str(local))
        elif mode == "1" or (mode == "auto" and _reachable(url)):
            mapping[name] = (url, None)
    return mapping


intersphinx_mapping = _intersphinx_mapping()
intersphinx_timeout = 10

# -- Sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sknn_intuition",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "download_all_examples": False,
    "plot_gallery": "True",
    # Each PNG records its smallest text size (sphinxext/legible_figures.py).
    "image_scrapers": ("legible_figures.scraper",),
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 5,
    # The execution-times pages load jQuery and DataTables from a CDN: the
    # pages must work offline, so they are not written (and a stale copy from
    # an older build is left out below).
    "write_computation_times": False,
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sknn_intuition {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The user guide and the gallery give their figures the full width of the
    # page: no "On this page" box there.
    "secondary_sidebar_items": {
        "generated/*": ["page-toc"],
        "code_map": ["page-toc"],
        "differences": ["page-toc"],
        "benchmarks": ["page-toc"],
        "scaling_out": ["page-toc"],
        "persistence": ["page-toc"],
        "references": ["page-toc"],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {
    "index": [],
    # Pages outside a section have nothing to list in "Section Navigation".
    "benchmarks": [],
    "scaling_out": [],
    "persistence": [],
    "references": [],
    "code_map": [],
    "differences": [],
}
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["learner.css"]
html_js_files = ["fullsize.js"]


# -- Hooks -------------------------------------------------------------------


def _skip_sklearn_members(app, what, name, obj, skip, options):
    """Document our own methods; leave those inherited from scikit-learn out.

    ``get_params``, ``set_params``, ``score``, ``set_*_request`` and
    ``get_metadata_routing`` come from scikit-learn's mixins; their docstrings
    cite scikit-learn's own glossary and are documented there. Each class page
    links to them instead (see ``_templates/estimator.rst``).
    """
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        return True
    return None


_SHAPE_PARENS = re.compile(r"\(([^()`]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"\b(\w*[A-Za-z0-9])_(?=[,)\s]|$)")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape fitted-attribute names in shapes, e.g. ``(n_features_in_,)``.

    In reStructuredText a word ending in ``_`` is a link to a target of that
    name, so the numpydoc habit of writing shapes as ``(n_samples, n_towers_)``
    would break the build. Only text inside parentheses, outside backquotes,
    literal blocks and doctests is touched.
    """
    block_indent = None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if stripped.startswith((">>>", "...")):
            continue
        if stripped.endswith("::"):
            block_indent = indent
        lines[i] = _SHAPE_PARENS.sub(
            lambda m: "(" + _TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(1)) + ")", line
        )


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=600)
