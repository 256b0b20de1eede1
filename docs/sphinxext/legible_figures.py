"""Gallery figures that say how small their text is.

``scraper`` replaces sphinx-gallery's matplotlib scraper: it saves every open
figure as a PNG at ``DPI`` and writes into the PNG (``sknn:*`` text chunks) the
figure's width in inches, the dpi and the size of its smallest visible text in
points. ``docs/check_pages.py`` reads them back and, with the width the page
shows the image at, computes the size of that text on screen.
"""

DPI = 150


def text_sizes(fig):
    """Sizes in points of the visible, non-empty texts of ``fig``."""
    from matplotlib.text import Text

    return [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]


def scraper(block, block_vars, gallery_conf):
    """Save the open figures (sphinx-gallery image scraper) and close them."""
    import matplotlib.pyplot as plt
    from sphinx_gallery.scrapers import figure_rst

    rst = []
    for num, path in zip(plt.get_fignums(), block_vars["image_path_iterator"]):
        fig = plt.figure(num)
        meta = {
            "sknn:width_in": f"{fig.get_figwidth():.3f}",
            "sknn:dpi": str(DPI),
            "sknn:min_font_pt": f"{min(text_sizes(fig), default=0.0):.2f}",
        }
        fig.savefig(path, dpi=DPI, metadata=meta)
        rst.append(figure_rst([path], gallery_conf["src_dir"]))
    plt.close("all")
    return "".join(rst)
