"""Look at the built pages as a learner would: headless Chromium, 1280 px wide.

For the front page and every page of the user guide and of the gallery this
script

* takes a screenshot (``--shots DIR``, default ``docs/_build/shots``);
* checks that the maths was typeset by the bundled MathJax, with no network:
  every ``.math`` element must hold a ``mjx-container`` once the page has run
  its scripts;
* measures each figure: the width the page shows it at, against the PNG's own
  width, times the size of the figure's smallest text (which the gallery's
  scraper writes into the PNG, see ``sphinxext/legible_figures.py``), gives
  the size of that text on screen in CSS pixels.

It prints one table row per figure and exits with status 1 when some
figure's smallest text is under ``--min-px`` (default 10) or some maths is not
typeset. Without a Chromium it says so and exits 0. Build the pages first::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python docs/check_pages.py            # Debian: apt-get install chromium
"""

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
WIDTH, HEIGHT = 1280, 2400
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    f"--window-size={WIDTH},{HEIGHT}",
]

# Appended to a copy of each page: once the page has loaded and MathJax has
# typeset, write what the reader sees into a <pre> that --dump-dom prints.
PROBE = """
<script>
(function () {
  var report = function () {
    var figures = Array.from(document.querySelectorAll("article img")).map(
      function (img) {
        return {src: img.getAttribute("src"), shown: img.getBoundingClientRect().width,
                natural: img.naturalWidth};
      });
    var maths = Array.from(document.querySelectorAll(".math"));
    var typeset = maths.filter(function (m) { return m.querySelector("mjx-container"); });
    var pre = document.createElement("pre");
    pre.id = "sknn-probe";
    pre.textContent = JSON.stringify({figures: figures, maths: maths.length,
                                      typeset: typeset.length});
    document.body.appendChild(pre);
  };
  // Load every image now, lazy or not: the page is measured whole.
  document.querySelectorAll("img").forEach(function (img) { img.loading = "eager"; });
  var tries = 0;
  var wait = function () {
    var images = Array.from(document.querySelectorAll("article img"));
    var loaded = images.every(function (img) { return img.complete; });
    var mj = window.MathJax;
    var maths = document.querySelectorAll(".math").length;
    var typeset = document.querySelectorAll(".math mjx-container").length;
    if ((loaded && (!maths || typeset >= maths)) || ++tries > 50) {
      report();
    } else {
      setTimeout(wait, 100);
    }
  };
  setTimeout(wait, 100);
})();
</script>
"""


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_browser(browser, *args):
    """One Chromium run with a profile of its own (runs never share a lock)."""
    with tempfile.TemporaryDirectory(prefix="sknn-chromium-") as profile:
        return subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000", *args],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout


def probe(browser, page):
    """What the page shows once loaded: its figures and its typeset maths."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".html", prefix="_probe_", dir=page.parent, delete=False
    ) as tmp:
        tmp.write(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    try:
        # Now and then Chromium dumps the page before its timers ran: retry.
        for _ in range(4):
            dom = run_browser(browser, "--dump-dom", pathlib.Path(tmp.name).as_uri())
            start = dom.find('<pre id="sknn-probe">')
            if start >= 0:
                break
    finally:
        pathlib.Path(tmp.name).unlink()
    if start < 0:
        raise RuntimeError(f"{page}: the probe did not run")
    text = dom[start + len('<pre id="sknn-probe">') : dom.find("</pre>", start)]
    return json.loads(text.replace("&quot;", '"').replace("&amp;", "&"))


def screenshot(browser, page, out):
    run_browser(browser, f"--screenshot={out}", page.as_uri())


def figure_text(png):
    """The figure's smallest text in points and its dpi, from the PNG's chunks."""
    from PIL import Image

    with Image.open(png) as im:
        meta = getattr(im, "text", {})
    if "sknn:min_font_pt" not in meta:
        return None, None
    return float(meta["sknn:min_font_pt"]), float(meta["sknn:dpi"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", default=HERE / "_build" / "html", type=pathlib.Path)
    parser.add_argument("--shots", default=HERE / "_build" / "shots", type=pathlib.Path)
    parser.add_argument("--min-px", default=10.0, type=float)
    args = parser.parse_args(argv)

    browser = find_browser()
    if browser is None:
        print("check_pages: no Chromium found (apt-get install chromium); skipped.")
        return 0
    pages = [args.html / "index.html", *sorted((args.html / "user_guide").glob("*.html"))]
    pages += sorted((args.html / "auto_examples").glob("plot_*.html"))
    if not pages:
        print(f"check_pages: no pages under {args.html}; build the docs first.")
        return 1
    args.shots.mkdir(parents=True, exist_ok=True)

    failures = []
    header = f"{'page':<34} {'figure':<44} {'shown':>6} {'png':>6} {'pt':>5} {'text px':>7}"
    print(header)
    print("-" * len(header))
    for page in pages:
        name = page.relative_to(args.html).as_posix()
        screenshot(browser, page, args.shots / (name.replace("/", "__") + ".png"))
        seen = probe(browser, page)
        if seen["typeset"] < seen["maths"]:
            failures.append(f"{name}: {seen['maths'] - seen['typeset']} maths not typeset")
        for fig in seen["figures"]:
            png = (page.parent / fig["src"].split("?")[0]).resolve()
            if not png.exists() or png.suffix != ".png":
                continue
            pt, dpi = figure_text(png)
            if pt is None or not fig["natural"]:
                continue
            px = pt * dpi / 72 * fig["shown"] / fig["natural"]
            flag = "" if px >= args.min_px else "  < min"
            if flag:
                failures.append(f"{name}: {png.name} text {px:.1f} px")
            print(
                f"{name:<34} {png.name[9:53]:<44} {fig['shown']:>6.0f} "
                f"{fig['natural']:>6} {pt:>5.1f} {px:>7.1f}{flag}"
            )
        print(f"{name:<34} maths typeset: {seen['typeset']} of {seen['maths']}")
    print(f"\nscreenshots in {args.shots}")
    if failures:
        print("\n".join(["", "check_pages found problems:", *failures]))
        return 1
    print(f"every figure's text is at least {args.min_px:g} px; all maths typeset")
    return 0


if __name__ == "__main__":
    sys.exit(main())
