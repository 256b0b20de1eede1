"""The playground's page: a Bokeh server document per browser tab.

Every control and read-out carries a stable ``data-testid`` DOM attribute
(Bokeh's ``html_attributes``), so the page can be driven and read by
browser tests. The page draws from :class:`~._session.Session`; training
runs in the session's own thread, and a periodic callback (10 per second)
draws the latest snapshot.
"""

import base64
import signal
import socket
import threading
import weakref
import webbrowser

import numpy as np

try:  # the playground extra: serve() names it when it is missing, before running this
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from bokeh.layouts import column, row
    from bokeh.models import (
        Button,
        ColumnDataSource,
        CustomJS,
        Div,
        FileInput,
        PreText,
        Range1d,
        Select,
        Slider,
        TextInput,
    )
    from bokeh.plotting import figure
    from bokeh.server.server import Server
except ImportError:  # (the module still imports, e.g. to collect its doctests)
    Server = None

from ._session import ALL_PARAMS, MAX_UNITS, STEPS, UNIT_GRID, Session
from .datasets import DATASETS

FRAME_MS = 100
ORANGE, BLUE = "#f59322", "#0877bd"

CSS = """
:host { font-family: system-ui, sans-serif; font-size: 14px; }
.readout { font-size: 16px; line-height: 1.5; }
.status { font-weight: bold; }
.readout b { font-variant-numeric: tabular-nums; }
.message { color: #b00020; white-space: pre-wrap; max-width: 340px; }
"""


def _tid(name):
    return {"html_attributes": {"data-testid": name}}


READOUTS = [("status", ""), ("epoch", "Epoch"), ("loss", "Training loss"),
            ("val-loss", "Validation loss"), ("accuracy", "Training accuracy"),
            ("val-accuracy", "Validation accuracy")]

# The read-outs change every frame. Changing a Div's text makes Bokeh lay the
# whole page out again (tens of milliseconds); so their values travel in a
# data source, and this callback writes them into the Div's spans in place.
WRITE_READOUTS = """
const host = find(document);
if (host == null) return;
const data = source.data;
for (let i = 0; i < data.name.length; i++) {
    const span = host.querySelector('[data-testid="' + data.name[i] + '"]');
    if (span != null) span.textContent = data.value[i];
    const label = host.querySelector('[data-label="' + data.name[i] + '"]');
    if (label != null) label.textContent = data.label[i];
}
function find(root) {
    const hit = root.querySelector('[data-testid="readouts"]');
    if (hit) return hit.shadowRoot;
    for (const e of root.querySelectorAll('*')) {
        if (e.shadowRoot) { const h = find(e.shadowRoot); if (h) return h; }
    }
    return null;
}
"""


def _readouts_html():
    rows = [f'<div><span data-label="{name}">{label}</span> <b data-testid="{name}">–</b></div>'
            for name, label in READOUTS[1:]]
    return ('<div class="readout"><div class="status" data-testid="status">paused</div>'
            + "".join(rows) + "</div>")


PER_ROW = 8  # hidden units' maps per row


def _tile_shape(n, gap=3):
    cols, rows = min(n, PER_ROW), -(-n // PER_ROW)
    return rows * UNIT_GRID + (rows - 1) * gap, cols * UNIT_GRID + (cols - 1) * gap


def _tiles(maps, gap=3):
    """Hidden units' maps in rows of PER_ROW, in one RGBA image (transparent gaps)."""
    height, width = _tile_shape(len(maps), gap)
    out = np.zeros((height, width), dtype=np.uint32)
    step = UNIT_GRID + gap
    for j, m in enumerate(maps):
        top = height - (j // PER_ROW) * step  # the first row at the top (rows count upwards)
        left = (j % PER_ROW) * step
        out[top - UNIT_GRID:top, left:left + UNIT_GRID] = m
    return out


class Page:
    """The widgets of one document, bound to one :class:`Session`."""

    def __init__(self, doc):
        self.doc = doc
        self.session = Session()
        self._apply_arguments()
        self.drawn_version = -1
        self.drawn_running = None
        self.n_loss = 0
        self.unit_layout = None
        self._build()
        self.sync_controls()
        doc.add_root(self.layout)
        doc.title = "sknn_intuition playground"
        doc.add_periodic_callback(self.update, FRAME_MS)
        doc.on_session_destroyed(lambda context: self.session.pause())

    def _apply_arguments(self):
        """Settings from the address: ``?step=towers``, ``?dataset=xor&n_train=500``, and any
        parameter by its name (``?learning_rate_init=0.1``)."""
        request = self.doc.session_context.request if self.doc.session_context else None
        args = {k: v[0].decode() for k, v in (request.arguments if request else {}).items()}
        s = self.session
        try:
            if "step" in args:
                s.set_step(args["step"])
            if {"dataset", "noise", "n_train"} & set(args):
                s.set_data(args.get("dataset"), args.get("noise"), args.get("n_train"))
            for name in s.step.params:
                if name in args:
                    s.set_param(name, args[name])
        except ValueError as exc:
            s.message = str(exc)

    # ------------------------------------------------------------ widgets
    def _build(self):
        s = self.session
        self.estimator = Select(title="step of the explanation",
                                options=[(k, st.title) for k, st in STEPS.items()],
                                value=s.step_key, width=220, **_tid("estimator"))
        self.estimator.on_change("value", self._setting(s.set_step))
        self.dataset = Select(title="data set", options=[], value=s.dataset, width=220,
                              **_tid("dataset"))
        self.dataset.on_change("value", self._setting(s.set_data))
        self.noise = Slider(title="noise", start=0, end=0.6, step=0.05, value=s.noise,
                            width=220, **_tid("noise"))
        self.noise.on_change("value_throttled", self._setting(s.set_data, None))
        self.n_train = Slider(title="training samples", start=20, end=1000, step=10,
                              value=s.n_train, width=220, **_tid("n-train"))
        self.n_train.on_change("value_throttled", self._setting(s.set_data, None, None))
        self.upload = FileInput(accept=".csv", width=220, title="or upload a CSV (x1, x2, label)",
                                **_tid("upload"))
        self.upload.on_change("value", self._on_upload)

        self.params = {}
        for name in ALL_PARAMS:
            options = next((st.params[name][1] for st in STEPS.values()
                            if name in st.params and st.params[name][1]), None)
            if options:
                widget = Select(title=name, options=list(options), width=220,
                                **_tid(f"param-{name}"))
            else:
                widget = TextInput(title=name, width=220, **_tid(f"param-{name}"))
            widget.on_change("value", self._param_changed(name))
            self.params[name] = widget
        self.param_box = column(*self.params.values())

        self.train = Button(label="▶ train", button_type="primary", width=105, **_tid("train"))
        self.train.on_click(lambda: self._do(s.start, settings=False))
        self.pause = Button(label="❚❚ pause", width=105, **_tid("pause"))
        self.pause.on_click(lambda: self._do(s.pause, settings=False))
        self.step = Button(label="step one epoch", width=105, **_tid("step"))
        self.step.on_click(lambda: self._do(s.step_once, settings=False))
        self.reset = Button(label="↺ reset", width=105, **_tid("reset"))
        self.reset.on_click(lambda: self._do(s.reset, settings=False))

        self.readouts = Div(text=_readouts_html(), width=340, height=140, stylesheets=[CSS],
                            **_tid("readouts"))
        self.readout_source = ColumnDataSource({"name": [], "label": [], "value": []})
        self.readouts.tags = [self.readout_source]  # (a model must be reachable to be sent)
        write = CustomJS(args={"source": self.readout_source}, code=WRITE_READOUTS)
        self.readout_source.js_on_change("data", write)
        self.doc.js_on_event("document_ready", write)
        self.message = Div(text="", css_classes=["message"], width=340, stylesheets=[CSS],
                           **_tid("message"))

        # The decision surface, with the training (circles) and validation (triangles) points.
        self.surface_source = ColumnDataSource(
            {"image": [], "labels": [], "x": [], "y": [], "dw": [], "dh": []},
            name="surface_source")
        self.points = ColumnDataSource({"x": [], "y": [], "colour": []})
        self.val_points = ColumnDataSource({"x": [], "y": [], "colour": []})
        self.surface = figure(width=420, height=420, title="decision surface",
                              tools="", toolbar_location=None, match_aspect=True,
                              x_axis_label="x1", y_axis_label="x2", **_tid("surface"))
        self.surface.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh",
                                source=self.surface_source)
        self.surface.scatter("x", "y", fill_color="colour", line_color="white", size=7,
                             source=self.points, legend_label="training")
        self.surface.scatter("x", "y", fill_color="colour", line_color="black", size=7,
                             marker="triangle", source=self.val_points,
                             legend_label="validation")
        self.surface.legend.location = "bottom_left"
        self.surface.legend.background_fill_alpha = 0.6

        # The towers' curve.
        self.curve = figure(width=420, height=420, title="fitted curve", tools="",
                            toolbar_location=None, x_axis_label="x", y_axis_label="y",
                            **_tid("curve"))
        self.curve_points = ColumnDataSource({"x": [], "y": []})
        self.curve_val = ColumnDataSource({"x": [], "y": []})
        self.curve_line = ColumnDataSource({"x": [], "y": []})
        self.curve.scatter("x", "y", source=self.curve_points, color=BLUE, size=4, alpha=0.6)
        self.curve.scatter("x", "y", source=self.curve_val, color=ORANGE, size=4, alpha=0.6)
        self.curve.line("x", "y", source=self.curve_line, color="black", line_width=2)
        self.towers = figure(width=420, height=200, title="the towers (height × activation)",
                             tools="", toolbar_location=None, **_tid("towers"))
        self.tower_lines = ColumnDataSource({"xs": [], "ys": []})
        self.towers.multi_line("xs", "ys", source=self.tower_lines, color=BLUE, alpha=0.7)

        # The loss curves.
        self.loss_source = ColumnDataSource({"epoch": [], "train": [], "val": []})
        self.loss_plot = figure(width=420, height=220, title="loss per epoch", tools="",
                                toolbar_location=None, x_axis_label="epoch",
                                **_tid("loss-curve"))
        self.loss_plot.line("epoch", "train", source=self.loss_source, color=BLUE,
                            line_width=2, legend_label="training")
        self.loss_plot.line("epoch", "val", source=self.loss_source, color=ORANGE,
                            line_width=2, legend_label="validation")
        self.loss_plot.legend.location = "top_right"

        self.units = column(Div(text=""), **_tid("units"))

        self.code = PreText(text="", width=760, **_tid("code"))
        self.copy = Button(label="copy the code", width=140, **_tid("copy"))
        self.copy.js_on_click(CustomJS(args={"code": self.code}, code="""
            navigator.clipboard.writeText(code.text).then(
                () => { this.origin.label = "copied" },
                () => { this.origin.label = "select the code to copy it" })
        """))

        controls = column(
            Div(text="<h2 style='margin:0'>sknn_intuition playground</h2>"),
            self.estimator, self.dataset, self.noise, self.n_train, self.upload,
            self.param_box,
            row(self.train, self.pause), row(self.step, self.reset),
            self.readouts, self.message,
        )
        middle = column(self.surface, self.curve, self.towers, self.loss_plot)
        self.units_title = Div(text="<b>hidden units</b> (each unit's output over the plane)")
        right = column(self.units_title, self.units)
        self.layout = column(
            row(controls, middle, right),
            Div(text="<b>The Python code of this model</b> (its predictions match the page's)"),
            self.copy, self.code,
        )

    # ------------------------------------------------------------ events
    def _do(self, action, *args, settings=True):
        """Run a session's action; redraw the controls too when it changed the settings."""
        try:
            action(*args)
        except ValueError as exc:
            self.session.message = str(exc)
            self.session.version += 1
        if settings:
            self.sync_controls()
        self.update()

    def _setting(self, action, *args):
        """A widget's callback: the session's ``action(*args, new value)``, unless the
        change came from :meth:`sync_controls` itself."""
        def callback(attr, old, new):
            if not self._syncing:
                self._do(action, *args, new)
        return callback

    def _param_changed(self, name):
        def callback(attr, old, new):
            if self._syncing or self.session.texts.get(name) == new:
                return
            self._do(self.session.set_param, name, new)
        return callback

    def _on_upload(self, attr, old, new):
        # The browser sends the contents before the file's name: read the name once
        # the whole change has arrived.
        def load():
            try:
                filename = self.upload.filename or "data.csv"
            except ValueError:  # (Bokeh's UnsetValueError: no name sent)
                filename = "data.csv"
            self._do(self.session.set_upload, filename, base64.b64decode(new))
        self.doc.add_next_tick_callback(load)

    _syncing = False

    def sync_controls(self):
        """The widgets show the session's settings (after a change of step or data)."""
        s = self.session
        self._syncing = True
        try:
            self.estimator.value = s.step_key
            names = [k for k, (_, _, reg) in DATASETS.items() if reg == s.step.regression]
            options = list(names)
            if s.upload is not None and not s.step.regression:
                options.append(("upload", f"upload: {s.upload[0]}"))
            if self.dataset.options != options:
                self.dataset.options = options
            self.dataset.value = s.dataset
            order = [self.params[name] for name in s.step.params]
            if self.param_box.children != order:
                self.param_box.children = order
            for name, widget in self.params.items():
                if name in s.step.params:
                    if isinstance(widget, Select):
                        widget.options = list(s.step.params[name][1])
                    widget.value = s.texts[name]
            regression = s.step.regression
            self.surface.visible = not regression
            self.curve.visible = self.towers.visible = regression
            self.units.visible = self.units_title.visible = not regression
            self._draw_data()
        finally:
            self._syncing = False

    def _draw_data(self):
        s = self.session
        if s.step.regression:
            self.curve_points.data = {"x": s.X_train[:, 0], "y": s.y_train}
            self.curve_val.data = {"x": s.X_val[:, 0], "y": s.y_val}
            (lo, hi), = s.bounds
            self.curve.x_range = Range1d(lo, hi)
            return
        colour = lambda y: [BLUE if v == s.classes[1] else ORANGE for v in y]  # noqa: E731
        self.points.data = {"x": s.X_train[:, 0], "y": s.X_train[:, 1],
                            "colour": colour(s.y_train)}
        self.val_points.data = {"x": s.X_val[:, 0], "y": s.X_val[:, 1],
                                "colour": colour(s.y_val)}
        (x0, x1), (y0, y1) = s.bounds
        self.surface.x_range = Range1d(x0, x1)
        self.surface.y_range = Range1d(y0, y1)

    # ------------------------------------------------------------ drawing
    def update(self):
        s = self.session
        running = s.running
        if s.version == self.drawn_version and running == self.drawn_running:
            return
        snap = s.snapshot()
        self.drawn_version, self.drawn_running = snap["version"], running
        tl, vl = snap["train_loss"], snap["val_loss"]
        train_score, val_score = snap["scores"]
        score = "R²" if snap["regression"] else "accuracy"
        values = [
            "training…" if running else "solved exactly" if snap["done"] else "paused",
            str(snap["epoch"]),
            f"{tl[-1]:.4f}" if tl else "–",
            f"{vl[-1]:.4f}" if vl else "–",
            "–" if train_score is None else f"{train_score:.3f}",
            "–" if val_score is None else f"{val_score:.3f}",
        ]
        labels = [label.replace("accuracy", score) for _, label in READOUTS]
        self.readout_source.data = {"name": [name for name, _ in READOUTS],
                                    "label": labels, "value": values}
        if self.message.text != snap["message"]:
            self.message.text = snap["message"]
        self._draw_loss(tl, vl)
        if snap["regression"]:
            self._draw_curve(snap)
        else:
            self._draw_surface(snap)
        # The code changes with every epoch: it is drawn when training pauses, as
        # redrawing it relays the whole page out (a tenth of a second or more).
        if not running:
            code = s.code()
            if self.code.text != code:
                self.code.text = code

    def _draw_loss(self, tl, vl):
        n = len(tl)
        if n < self.n_loss or n == 0:
            self.loss_source.data = {"epoch": list(range(1, n + 1)), "train": tl, "val": vl}
        elif n > self.n_loss:
            k = self.n_loss
            self.loss_source.stream({"epoch": list(range(k + 1, n + 1)), "train": tl[k:],
                                     "val": vl[k:]})
        self.n_loss = n

    def _draw_surface(self, snap):
        s = self.session
        if not snap["trained"]:
            self.surface_source.data = {"image": [], "labels": [], "x": [], "y": [],
                                        "dw": [], "dh": []}
            if self.unit_layout is not None:
                self.units.children = [Div(text="")]
                self.unit_layout = None
            return
        (x0, x1), (y0, y1) = s.bounds
        labels = np.searchsorted(s.classes, snap["labels"]).astype(np.int8)
        self.surface_source.data = {"image": [snap["surface"]], "labels": [labels],
                                    "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]}
        layout = list(snap["unit_counts"])
        if layout != self.unit_layout:
            figures = []
            for i, n in enumerate(layout):
                drawn = min(n, MAX_UNITS)
                height, width = _tile_shape(drawn)
                title = (f"hidden layer {i + 1}: {n} units" if s.step.key == "network"
                         else "the neuron's output")
                if drawn < n:
                    title += f" (the first {drawn} drawn)"
                fig = figure(width=max(20 + int(width * 1.75), 160),
                             height=int(height * 1.75) + 30, title=title, tools="",
                             toolbar_location=None, x_range=Range1d(0, max(width, 80)),
                             y_range=Range1d(0, height), **_tid(f"layer-{i + 1}"))
                fig.axis.visible = False
                fig.grid.visible = False
                fig.outline_line_color = None
                fig.image_rgba(image="image", x=0, y=0, dw=width, dh=height,
                               source=ColumnDataSource({"image": []}))
                figures.append(fig)
            self.units.children = figures
            self.unit_layout = layout
        for fig, maps in zip(self.units.children, snap["units"]):
            fig.renderers[0].data_source.data = {"image": [_tiles(maps)]}

    def _draw_curve(self, snap):
        if not snap["trained"]:
            self.curve_line.data = {"x": [], "y": []}
            self.tower_lines.data = {"xs": [], "ys": []}
            return
        x = snap["curve_x"]
        self.curve_line.data = {"x": x, "y": snap["curve_y"]}
        towers = snap["towers"]
        self.tower_lines.data = {"xs": [x] * towers.shape[1],
                                 "ys": [towers[:, k] for k in range(towers.shape[1])]}


SESSIONS = weakref.WeakSet()  # every tab's session, to stop their training on shutdown


def make_document(doc):
    SESSIONS.add(Page(doc).session)


def _free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def run(port=0, address="127.0.0.1", open_browser=True, ready=None):
    """Start the Bokeh server, open the page, serve until Ctrl-C; then stop cleanly."""
    if Server is None:
        from . import _require_bokeh

        _require_bokeh()
    port = port or _free_port(address)
    origins = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    server = Server({"/": Application(FunctionHandler(make_document))}, port=port,
                    address=address, allow_websocket_origin=origins,
                    check_unused_sessions_milliseconds=5000,
                    unused_session_lifetime_milliseconds=5000)
    url = f"http://{address}:{server.port}/"
    server.start()
    if ready is not None:
        ready(server, url)
    if open_browser:
        server.io_loop.add_callback(webbrowser.open_new_tab, url)

    def stop(signum, frame):  # `kill` stops it as cleanly as Ctrl-C
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        for session in list(SESSIONS):
            session.pause()
        server.stop()
        server.io_loop.close(all_fds=True)
        if main:
            signal.signal(signal.SIGTERM, previous)
    return server
