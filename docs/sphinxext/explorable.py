"""Explorable figures: sliders that swap frames drawn at build time.

The directive ::

    .. explorable:: sigmoid

       Caption, in reStructuredText.

looks up ``sigmoid`` in :mod:`explorables` (this folder), draws every frame it
defines — one PNG per combination of slider values, each drawn by the
package's estimators with matplotlib — into ``_explore/sigmoid/`` of the
built site, and writes a figure whose ``<input type="range">`` sliders show
their current value and swap the image. ``_static/explorable.js`` does the
swapping; it computes nothing, so what the reader sees is always what an
estimator drew. The pages need no network and work from ``file://``.

Frames are drawn again only when the definitions, this file or the package's
sources change (a stamp file beside the frames records a hash of them). Each
PNG records the size of its smallest text, as the gallery's do
(``legible_figures.py``), so ``check_pages.py`` measures them too.
"""

import hashlib
import html
import itertools
import json
import pathlib

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from legible_figures import text_sizes

HERE = pathlib.Path(__file__).resolve().parent
DPI = 100
logger = logging.getLogger(__name__)
_BUILD = {}  # the output folder of the build under way (set when it starts)


def _sources_hash():
    import sknn_intuition

    digest = hashlib.sha256()
    package = pathlib.Path(sknn_intuition.__file__).resolve().parent
    for path in sorted([HERE / "explorable.py", HERE / "explorables.py", *package.glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def frame_name(indices):
    return "-".join(str(i) for i in indices) + ".png"


def render(name, outdir):
    """Draw every frame of explorable ``name`` into ``outdir/_explore/name``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import explorables

    spec = explorables.EXPLORABLES[name]()
    target = pathlib.Path(outdir) / "_explore" / name
    stamp = target / "stamp.txt"
    key = _sources_hash()
    grid = list(itertools.product(*[range(len(s.values)) for s in spec.sliders]))
    if stamp.exists() and stamp.read_text() == key and all(
        (target / frame_name(ix)).exists() for ix in grid
    ):
        return spec
    target.mkdir(parents=True, exist_ok=True)
    logger.info(f"explorable {name}: drawing {len(grid)} frames")
    for ix in grid:
        values = {s.name: s.values[i] for s, i in zip(spec.sliders, ix)}
        fig = plt.figure(figsize=spec.figsize)
        spec.draw(fig, **values)
        meta = {
            "sknn:width_in": f"{fig.get_figwidth():.3f}",
            "sknn:dpi": str(DPI),
            "sknn:min_font_pt": f"{min(text_sizes(fig), default=0.0):.2f}",
        }
        fig.savefig(target / frame_name(ix), dpi=DPI, metadata=meta)
        plt.close(fig)
    stamp.write_text(key)
    return spec


def _label(value, fmt):
    return fmt.format(value) if isinstance(fmt, str) else fmt(value)


class ExplorableDirective(SphinxDirective):
    required_arguments = 1
    has_content = True
    option_spec = {"alt": directives.unchanged}

    def run(self):
        import explorables

        name = self.arguments[0]
        if name not in explorables.EXPLORABLES:
            raise self.error(f"no explorable named {name!r} in explorables.py")
        spec = render(name, _BUILD["outdir"])
        self.env.note_dependency(str(HERE / "explorables.py"))
        depth = self.env.docname.count("/")
        base = "../" * depth + f"_explore/{name}/"
        start = [s.values.index(s.default) for s in spec.sliders]
        alt = self.options.get("alt", spec.alt)

        controls = []
        for k, (slider, i) in enumerate(zip(spec.sliders, start)):
            labels = [_label(v, slider.fmt) for v in slider.values]
            ident = f"explore-{name}-{slider.name}"
            controls.append(
                f'<div class="sknn-explorable-slider">'
                f'<label for="{ident}">{html.escape(slider.label)}</label>'
                f'<input type="range" id="{ident}" min="0" max="{len(labels) - 1}" '
                f'step="1" value="{i}" data-index="{k}" '
                f"data-labels='{html.escape(json.dumps(labels), quote=True)}' "
                f'aria-valuetext="{html.escape(labels[i])}">'
                f'<output for="{ident}">{html.escape(labels[i])}</output>'
                f"</div>"
            )
        head = (
            f'<figure class="sknn-explorable" id="explore-{name}" '
            f'data-base="{base}">'
            f'<img class="sknn-explorable-frame" src="{base}{frame_name(start)}" '
            f'alt="{html.escape(alt)}" width="{int(spec.figsize[0] * DPI)}" '
            f'height="{int(spec.figsize[1] * DPI)}">'
            f'<div class="sknn-explorable-controls">{"".join(controls)}</div>'
        )
        figure = [nodes.raw("", head, format="html")]
        if self.content:
            caption = nodes.container(classes=["sknn-explorable-caption"])
            self.state.nested_parse(self.content, self.content_offset, caption)
            figure.append(nodes.raw("", "<figcaption>", format="html"))
            figure.append(caption)
            figure.append(nodes.raw("", "</figcaption>", format="html"))
        figure.append(nodes.raw("", "</figure>", format="html"))
        target = nodes.target("", "", ids=[f"explore-{name}-target"])
        return [target, *figure]


def _remember_outdir(app):
    _BUILD["outdir"] = app.outdir


def setup(app):
    app.connect("builder-inited", _remember_outdir)
    app.add_directive("explorable", ExplorableDirective)
    app.add_js_file("explorable.js")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
