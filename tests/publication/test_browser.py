"""Every page of the report opened in headless Chromium: the tables hold a row per group, the
figures are laid out with a real size and the screenshot is not blank. The pages carry no
script; the test measures the figures with its own, run in a copy of each page. Without
Chromium the test fails: `make browser` installs it."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from PIL import Image

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BROWSER_SECONDS = 120  # one page; a hung browser must not hang the suite
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--disable-extensions",
         "--virtual-time-budget=5000"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: the publication report's browser test needs it. "
                    "Run `make browser` (apt-get install chromium) and try again.")
    return path


# Runs in the browser after layout: records each figure's drawn size on the element, so the DOM
# Chromium dumps shows whether the figures really render.
MEASURE_SCRIPT = """
<script>
(function () {
  var figures = document.querySelectorAll('figure.chart');
  figures.forEach(function (figure) {
    var box = figure.querySelector('svg').getBoundingClientRect();
    figure.setAttribute('data-rendered-width', Math.round(box.width));
    figure.setAttribute('data-rendered-height', Math.round(box.height));
  });
  document.body.setAttribute('data-figures-measured', figures.length);
})();
</script>
"""


def measured_copy(page: Path, directory: Path) -> Path:
    """The page with the measuring script before </body>, written beside nothing else."""
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text, f"{page.name} carries a script"
    copy = directory / page.name
    copy.write_text(text.replace("</body>", MEASURE_SCRIPT + "</body>"), encoding="utf-8")
    return copy


def run_browser(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=BROWSER_SECONDS)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class RenderedDom(HTMLParser):
    """From the DOM Chromium dumps: the figures' measured sizes, the group rows per table."""

    def __init__(self):
        super().__init__()
        self.body = {}
        self.figures = []
        self.rows = {}
        self.table = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        elif tag == "figure" and "chart" in attrs.get("class", ""):
            self.figures.append(attrs)
        elif tag == "table":
            self.table = attrs.get("id")
            self.rows[self.table] = []
        elif tag == "tr" and attrs.get("data-breakdown") == "group" and self.table:
            self.rows[self.table].append(attrs.get("data-value"))

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None


def groups_asked(database: Path, meting: int, question_id: str) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {row[0] for row in con.execute(
            "select distinct breakdown_value from marts.mart_route_cohort where meting = ? and question_id = ? "
            "and breakdown = 'group' and base_n > 0", [meting, question_id]).fetchall()}


def test_every_page_renders_its_tables_and_figures_in_chromium(publication, tmp_path):
    for page in publication["pages"]:
        profile = tmp_path / f"profile-{page.path.stem}"
        dom = run_browser(["--dump-dom", measured_copy(page.path, tmp_path).as_uri()], profile).stdout
        parsed = RenderedDom()
        parsed.feed(dom)

        # the test's script ran in the browser and measured every figure
        assert int(parsed.body.get("data-figures-measured", -1)) == page.charts == len(parsed.figures), page.path
        for figure in parsed.figures:
            assert int(figure["data-rendered-width"]) > 300, (page.path.name, figure["id"])
            assert int(figure["data-rendered-height"]) > 100, (page.path.name, figure["id"])

        assert len(parsed.rows) == page.tables
        meting = int(page.path.name.split(".")[0].split("-")[-1])
        for table_id, values in parsed.rows.items():
            expected = groups_asked(publication["database"], meting, table_id.removesuffix("-table"))
            # a row per group that was asked (twice on a comparison page: one per meting)
            assert set(values) >= expected, (page.path.name, table_id)
            assert expected, (page.path.name, table_id)


def test_the_screenshot_of_a_page_is_not_blank(publication, tmp_path):
    page = next(p for p in publication["pages"] if p.kind == "meting")
    shot = tmp_path / "page.png"
    run_browser([f"--screenshot={shot}", "--window-size=1200,2000", page.path.as_uri()], tmp_path / "profile")
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 2000)
    histogram = image.histogram()  # pixels per grey level 0 (black) .. 255 (white)
    total = sum(histogram)
    ink = sum(histogram[:200]) / total
    # text alone inks a few percent of a page; the figures' bars push it well above
    assert ink > 0.05, f"{ink:.3f} of the screenshot is not white"
    assert sum(histogram[:100]) / total > 0.02
