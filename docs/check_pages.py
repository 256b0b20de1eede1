"""Look at the built pages as a learner would: headless Chromium, 1280 px wide.

For every HTML page of the built site this script, driving Chromium through
Selenium and chromedriver,

* waits until the page has loaded, every image has arrived and MathJax has
  typeset every formula (``.math`` elements must hold an ``mjx-container``:
  the bundled MathJax works with no network);
* checks that the page asked nothing of the network: Chromium's log of the
  page's requests (DevTools ``Network.requestWillBeSent`` events) may hold
  only ``file:``, ``data:`` and ``blob:`` URLs, or ``localhost``;
* checks that no script failed and no file failed to load (the browser's
  console);
* measures each figure: the width the page shows it at, against the PNG's own
  width, times the size of the figure's smallest text (which the gallery's
  scraper and the explorable figures write into the PNG, see
  ``sphinxext/legible_figures.py``), gives the size of that text on screen in
  CSS pixels;
* moves every slider of every explorable figure to three positions with the
  keyboard, as a reader would, and checks each time that the value shown
  changed and is the slider's, and that a different frame was loaded;
* clicks the copy button of the first example with ``>>>`` prompts on each
  page and checks that what it copied has no prompts and no output, so a
  reader can paste it into Python as it is;
* takes a screenshot of the front page, the user guide and the gallery
  (``--shots DIR``, default ``docs/_build/shots``).

It prints one table row per figure and exits with status 1 when some check
fails. Without Chromium, chromedriver or Selenium it says so and exits 0.
Build the pages first::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python docs/check_pages.py    # Debian: apt-get install chromium chromium-driver
"""

import argparse
import hashlib
import json
import pathlib
import shutil
import sys
import time
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
WIDTH, HEIGHT = 1280, 2400
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    f"--window-size={WIDTH},{HEIGHT}",
    # No host name resolves: a page that asks for a remote file is logged
    # (and reported) without the check itself reaching the network.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome", "devtools"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
WAIT_S = 60.0  # the longest a page may take to load, typeset and show its images

# Run in the page: load every image now, lazy or not (the page is measured
# whole), then report whether everything the reader will see is there.
READY = """
document.querySelectorAll("img").forEach(function (img) { img.loading = "eager"; });
var images = Array.from(document.querySelectorAll("article img"));
var maths = document.querySelectorAll(".math").length;
var typeset = document.querySelectorAll(".math mjx-container").length;
return {
  complete: document.readyState === "complete",
  images: images.every(function (img) { return img.complete; }),
  maths: maths,
  typeset: typeset,
};
"""
MEASURE = """
return Array.from(document.querySelectorAll("article img")).map(function (img) {
  return {src: img.getAttribute("src"), shown: img.getBoundingClientRect().width,
          natural: img.naturalWidth};
});
"""
FRAME_SHOWN = """
var img = arguments[0];
return {src: img.getAttribute("src"), complete: img.complete, natural: img.naturalWidth};
"""


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def start_driver(browser):
    """A headless Chromium driven by the system's chromedriver (never downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    return driver


def wait_for(what, timeout=WAIT_S, step=0.1):
    """Call ``what()`` until it returns something true; the last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def remote_requests(driver):
    """The URLs the page asked for that are neither local files nor localhost."""
    remote = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            continue
        remote.append(url)
    return remote


def script_errors(driver):
    """Uncaught exceptions and resources that failed to load.

    Messages a script chooses to print with ``console.error`` (the theme
    prints one on a first visit, when no colour mode is stored yet) are not
    failures of the page.
    """
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and e.get("source") != "console-api"
    ]


def figure_text(png):
    """The figure's smallest text in points and its dpi, from the PNG's chunks."""
    from PIL import Image

    with Image.open(png) as im:
        meta = getattr(im, "text", {})
    if "sknn:min_font_pt" not in meta:
        return None, None
    return float(meta["sknn:min_font_pt"]), float(meta["sknn:dpi"])


def load(driver, page):
    """Open ``page`` and wait until it is whole; what it shows, and what went wrong."""
    driver.get(page.as_uri())
    ready = wait_for(
        lambda: (
            lambda r: r if r["complete"] and r["images"] and r["typeset"] >= r["maths"] else None
        )(driver.execute_script(READY))
    )
    state = ready or driver.execute_script(READY)
    problems = []
    if not state["complete"] or not state["images"]:
        problems.append("the page or some image did not finish loading")
    if state["typeset"] < state["maths"]:
        problems.append(f"{state['maths'] - state['typeset']} maths not typeset")
    return state, problems


def _png_digest(page, src):
    path = (page.parent / urllib.parse.unquote(src.split("?")[0])).resolve()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def check_explorables(driver, page):
    """Move every slider to three positions; return the problems and the moves made."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    problems, moves = [], 0
    for figure in driver.find_elements(By.CSS_SELECTOR, "figure.sknn-explorable"):
        name = figure.get_attribute("id")
        img = figure.find_element(By.CSS_SELECTOR, "img.sknn-explorable-frame")
        for slider in figure.find_elements(By.CSS_SELECTOR, "input[type=range]"):
            labels = json.loads(slider.get_attribute("data-labels"))
            output = figure.find_element(
                By.CSS_SELECTOR, f'output[for="{slider.get_attribute("id")}"]'
            )
            top = len(labels) - 1
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", slider)
            for target in _three_positions(int(slider.get_attribute("value")), top):
                before_src = img.get_attribute("src")
                before_text = output.text
                before_png = _png_digest(page, driver.execute_script(FRAME_SHOWN, img)["src"])
                keys = [Keys.HOME] + [Keys.ARROW_RIGHT] * target if target < top else [Keys.END]
                slider.send_keys(*keys)
                moves += 1
                where = f"{name} {slider.get_attribute('id')} -> {target}"
                shown = wait_for(
                    lambda: (
                        lambda s: s if s["complete"] and s["natural"] > 0 else None
                    )(driver.execute_script(FRAME_SHOWN, img)),
                    timeout=20,
                )
                if int(slider.get_attribute("value")) != target:
                    problems.append(f"{where}: the slider is at {slider.get_attribute('value')}")
                    continue
                if output.text == before_text or output.text != labels[target]:
                    problems.append(f"{where}: shows {output.text!r} (was {before_text!r})")
                if not shown or img.get_attribute("src") == before_src:
                    problems.append(f"{where}: the image did not change or did not load")
                elif _png_digest(page, shown["src"]) in (None, before_png):
                    problems.append(f"{where}: the new frame is missing or the same picture")
    return problems, moves


# Catch what the copy button puts on the clipboard (headless Chromium has no
# clipboard to read back), then click the button of the first doctest block.
COPY = """
var block = Array.from(document.querySelectorAll("div.highlight pre")).find(
  function (pre) { return pre.textContent.trimStart().indexOf(">>> ") === 0; });
if (!block) { return null; }
window.__copied = null;
navigator.clipboard.writeText = function (text) {
  window.__copied = text; return Promise.resolve();
};
// clipboard.js (which the copy button uses) selects a hidden text area
// holding the text, then asks for a copy.
var execCommand = document.execCommand.bind(document);
document.execCommand = function (command) {
  if (command === "copy") {
    var active = document.activeElement;
    window.__copied = active && "value" in active && active.value ? active.value
                      : String(document.getSelection());
    return true;
  }
  return execCommand.apply(null, arguments);
};
var button = block.parentNode.querySelector("button.copybtn");
if (!button) { return {shown: block.textContent, copied: null, button: false}; }
button.click();
return {shown: block.textContent, button: true};
"""


def check_copy_button(driver):
    """The problems with the copy button of the page's first doctest, if any."""
    first = driver.execute_script(COPY)
    if first is None:
        return []
    if not first["button"]:
        return ["a doctest block has no copy button"]
    copied = wait_for(lambda: driver.execute_script("return window.__copied;"), timeout=10)
    if not copied:
        return ["the copy button copied nothing"]
    problems = []
    if ">>>" in copied or "\n... " in copied or copied.startswith("... "):
        problems.append("the copy button kept the >>> / ... prompts")
    code = [ln[4:].rstrip() for ln in first["shown"].splitlines()
            if ln.startswith((">>> ", "... "))]
    if [ln.rstrip() for ln in copied.strip("\n").splitlines()] != code:
        problems.append("the copy button copied more or less than the code of the example")
    return problems


def _three_positions(start, top):
    """Three slider positions, each different from the one before."""
    wanted = [0, top, top // 2] if start != 0 else [top, top // 2, 0]
    positions, current = [], start
    for p in wanted:
        if p == current:
            p = (p + 1) % (top + 1)
        positions.append(p)
        current = p
    return positions


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", default=HERE / "_build" / "html", type=pathlib.Path)
    parser.add_argument("--shots", default=HERE / "_build" / "shots", type=pathlib.Path)
    parser.add_argument("--min-px", default=10.0, type=float)
    parser.add_argument("--no-shots", action="store_true", help="take no screenshots")
    args = parser.parse_args(argv)

    browser = find_browser()
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("check_pages: Selenium is not installed (pip install '.[docs]'); skipped.")
        return 0
    if browser is None or shutil.which("chromedriver") is None:
        print("check_pages: no Chromium or chromedriver found "
              "(apt-get install chromium chromium-driver); skipped.")
        return 0
    pages = sorted(args.html.rglob("*.html"))
    pages = [p for p in pages if "_sources" not in p.parts and "_static" not in p.parts]
    if not pages:
        print(f"check_pages: no pages under {args.html}; build the docs first.")
        return 1
    shown_pages = {"index.html", "references.html"}
    args.shots.mkdir(parents=True, exist_ok=True)

    failures, n_figures, n_moves = [], 0, 0
    header = f"{'page':<34} {'figure':<44} {'shown':>6} {'png':>6} {'pt':>5} {'text px':>7}"
    print(header)
    print("-" * len(header))
    driver = start_driver(browser)
    try:
        for page in pages:
            name = page.relative_to(args.html).as_posix()
            driver.get_log("performance")  # forget the previous page's requests
            driver.get_log("browser")
            state, problems = load(driver, page)
            failures += [f"{name}: {p}" for p in problems]
            for fig in driver.execute_script(MEASURE):
                png = (page.parent / urllib.parse.unquote(fig["src"].split("?")[0])).resolve()
                if not png.exists() or png.suffix != ".png":
                    continue
                pt, dpi = figure_text(png)
                if pt is None or not fig["natural"]:
                    continue
                n_figures += 1
                px = pt * dpi / 72 * fig["shown"] / fig["natural"]
                flag = "" if px >= args.min_px else "  < min"
                if flag:
                    failures.append(f"{name}: {png.name} text {px:.1f} px")
                print(
                    f"{name:<34} {png.parent.name[:12] + '/' + png.name[-31:]:<44} "
                    f"{fig['shown']:>6.0f} {fig['natural']:>6} {pt:>5.1f} {px:>7.1f}{flag}"
                )
            if not args.no_shots and (
                name in shown_pages or name.startswith(("user_guide/", "auto_examples/plot_"))
            ):
                driver.save_screenshot(str(args.shots / (name.replace("/", "__") + ".png")))
            failures += [f"{name}: {p}" for p in check_copy_button(driver)]
            problems, moves = check_explorables(driver, page)
            n_moves += moves
            failures += [f"{name}: {p}" for p in problems]
            failures += [f"{name}: asked the network for {u}" for u in remote_requests(driver)]
            failures += [f"{name}: script error: {m}" for m in script_errors(driver)]
            if state["maths"] or moves:
                print(f"{name:<34} maths typeset: {state['typeset']} of {state['maths']}"
                      + (f"; slider moves checked: {moves}" if moves else ""))
    finally:
        driver.quit()
    print(f"\n{len(pages)} pages, {n_figures} figures measured, {n_moves} slider moves checked")
    if not args.no_shots:
        print(f"screenshots in {args.shots}")
    if failures:
        print("\n".join(["", "check_pages found problems:", *failures]))
        return 1
    print(f"every figure's text is at least {args.min_px:g} px; all maths typeset; "
          "every slider moves its figure; no page asked the network for anything")
    return 0


if __name__ == "__main__":
    sys.exit(main())
