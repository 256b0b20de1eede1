"""The explorable figures: every frame drawn at build time, sliders that swap them.

A small Sphinx project with one explorable (a sigmoid neuron, three weights by
two biases) is built in a temporary folder; the test checks the frames, the
HTML a reader gets, and — when Chromium and chromedriver are installed — that
moving a slider in the browser changes the picture and the value shown.
"""

import json
import pathlib
import re
import shutil
import sys

import numpy as np
import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"

pytest.importorskip("sphinx")
mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    sys.path.insert(0, str(DOCS / "sphinxext"))
    try:
        import explorables
        from sphinx.application import Sphinx

        from sknn_intuition import SigmoidNeuronClassifier

        neuron = SigmoidNeuronClassifier().fit([[0.0], [1.0]], [0, 1])
        x = np.linspace(-3, 3, 61).reshape(-1, 1)

        def draw(fig, w, b):
            neuron.coef_[:] = w
            neuron.intercept_[:] = b
            ax = fig.subplots()
            ax.plot(x, neuron.predict_proba(x)[:, 1])
            ax.set_title(f"w = {w}, b = {b}", fontsize=12)

        def tiny():
            return explorables.Spec(
                sliders=[
                    explorables.Slider("w", "weight w", [1, 2, 4], 2),
                    explorables.Slider("b", "bias b", [-1, 1], 1, "{:+d}"),
                ],
                draw=draw,
                figsize=(4.0, 2.5),
                alt="a sigmoid",
            )

        src = tmp_path_factory.mktemp("src")
        (src / "conf.py").write_text(
            f"import sys\nsys.path.insert(0, {str(DOCS / 'sphinxext')!r})\n"
            "extensions = ['explorable']\nhtml_static_path = "
            f"[{str(DOCS / '_static')!r}]\n"
        )
        (src / "index.rst").write_text("Top\n===\n\n.. toctree::\n\n   sub/page\n")
        (src / "sub").mkdir()
        (src / "sub" / "page.rst").write_text(
            "Page\n====\n\n.. explorable:: tiny\n\n   The *caption*.\n"
        )
        out = tmp_path_factory.mktemp("html")
        saved = dict(explorables.EXPLORABLES)
        explorables.EXPLORABLES["tiny"] = tiny
        try:
            app = Sphinx(str(src), str(src), str(out), str(out / ".doctrees"), "html",
                         status=None, warningiserror=True, freshenv=True)
            app.build()
        finally:
            explorables.EXPLORABLES.clear()
            explorables.EXPLORABLES.update(saved)
        yield out
    finally:
        sys.path.remove(str(DOCS / "sphinxext"))


def test_every_combination_of_slider_values_has_its_own_frame(site):
    frames = sorted((site / "_explore" / "tiny").glob("*.png"))
    assert [f.name for f in frames] == [f"{i}-{j}.png" for i in range(3) for j in range(2)]
    assert len({f.read_bytes() for f in frames}) == 6  # six different pictures
    from PIL import Image

    with Image.open(frames[0]) as im:
        assert float(im.text["sknn:min_font_pt"]) >= 10  # the legibility record
        assert im.width == 400


def test_the_page_shows_the_default_frame_with_one_range_input_per_slider(site):
    html = (site / "sub" / "page.html").read_text()
    assert 'src="../_explore/tiny/1-1.png"' in html  # w = 2, b = +1: the defaults
    inputs = re.findall(r'<input type="range"[^>]*>', html)
    assert len(inputs) == 2
    labels = [json.loads(re.search(r"data-labels='([^']*)'", i).group(1).replace("&quot;", '"'))
              for i in inputs]
    assert labels == [["1", "2", "4"], ["-1", "+1"]]
    assert re.findall(r"<output[^>]*>([^<]*)</output>", html) == ["2", "+1"]
    assert "<em>caption</em>" in html
    assert "explorable.js" in html


def test_the_script_is_local_and_computes_nothing():
    script = (DOCS / "_static" / "explorable.js").read_text()
    assert "http" not in script
    assert "Math." not in script  # no maths in the browser: frames are drawn at build time


def test_moving_a_slider_swaps_the_frame_and_the_value_shown(site):
    browser = shutil.which("chromium") or shutil.which("google-chrome")
    if browser is None or shutil.which("chromedriver") is None:
        pytest.skip("needs Chromium and chromedriver")
    pytest.importorskip("selenium")
    sys.path.insert(0, str(DOCS))
    try:
        import check_pages
    finally:
        sys.path.remove(str(DOCS))
    from selenium.webdriver.common.keys import Keys

    driver = check_pages.start_driver(browser)
    try:
        page = site / "sub" / "page.html"
        driver.get(page.as_uri())
        weight, bias = driver.find_elements("css selector", "input[type=range]")
        img = driver.find_element("css selector", "img.sknn-explorable-frame")
        weight.send_keys(Keys.END)
        assert img.get_attribute("src").endswith("_explore/tiny/2-1.png")
        assert driver.find_elements("css selector", "output")[0].text == "4"
        bias.send_keys(Keys.HOME)
        assert img.get_attribute("src").endswith("_explore/tiny/2-0.png")
        assert driver.find_elements("css selector", "output")[1].text == "-1"
        assert check_pages.wait_for(
            lambda: driver.execute_script("return arguments[0].naturalWidth", img), 20
        ) == 400
        problems, moves = check_pages.check_explorables(driver, page)
        assert problems == [] and moves == 6
        assert check_pages.remote_requests(driver) == []
        # ... and the check would see a page that asks the network for a file
        remote = site / "remote.html"
        remote.write_text('<html><body><script src="https://cdn.invalid/x.js"></script>'
                          "</body></html>")
        driver.get(remote.as_uri())
        assert check_pages.remote_requests(driver) == ["https://cdn.invalid/x.js"]
        assert any("x.js" in m for m in check_pages.script_errors(driver))
    finally:
        driver.quit()
