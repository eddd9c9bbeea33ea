"""The report's figures: horizontal stacked bars, one bar per subgroup, one segment per answer,
percentages of the question's base (valid answers, and "weet ik niet" where the report counts
it, a grey segment at the end). Drawn with matplotlib and returned as inline SVG text, so a
page needs nothing from the network.

Published numbers only: the bars are drawn from the suppressed lines (frames.Line.segments),
with the estimate the page's tables print (weighted or not). A suppressed answer keeps its place
in the bar as a grey hatched segment, so the answers after it start where they would; the
suppressed answers share 100 minus the printed cells (a sum of at least two cells, which reveals
none of them). A subgroup below the minimum gets no bar, only a note where the bar would be.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.colors  # noqa: E402
import matplotlib.figure  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

from orchestration.publication.frames import Line  # noqa: E402
from orchestration.publication.labels import percent  # noqa: E402

BAR_HEIGHT_INCHES = 0.32
WIDTH_INCHES = 9.0
LABEL_MIN_PCT = 6.0  # a segment narrower than this gets no number: it would not fit
SUPPRESSED_COLOUR = "#d9d9d9"
SUPPRESSED_EDGE = "#999999"
HATCH = "///"
LEFT, RIGHT = 0.27, 0.97  # fractions of the width: subgroup names on the left
TITLE_INCHES, AXIS_INCHES, LEGEND_ROW_INCHES = 0.3, 0.35, 0.22
LEGEND_COLUMNS = 3


def colours(count: int) -> list:
    """One colour per answer in printed order; a sequential map reads for ordered scales and
    still separates nominal answers."""
    cmap = plt.get_cmap("viridis")
    return [cmap(0.1 + 0.8 * i / max(count - 1, 1)) for i in range(count)]


# "weet ik niet" and "wil ik niet zeggen", where a question's base counts them: plain greys at
# the end of the bar, apart from the answers' colours and from the hatched suppressed grey
MISSING_COLOURS = {"dont_know": "#b0b0b0", "no_answer": "#8a8a8a"}


def palette_for(statuses: list[str]) -> list:
    """A colour per answer: the valid answers on the sequential map, the missing ones grey."""
    valid = colours(sum(status == "valid" for status in statuses))
    iterator = iter(valid)
    return [next(iterator) if status == "valid" else matplotlib.colors.to_rgba(MISSING_COLOURS[status])
            for status in statuses]


def _text_colour(rgba) -> str:
    luminance = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
    return "black" if luminance > 0.55 else "white"


def _draw_bars(ax, bars: list[tuple[float, Line]], palette: list, weighted: bool) -> None:
    """Every segment of a panel in one barh call (a call per segment made the page's figures
    several times slower); each rectangle keeps an id naming its answer, so a suppressed one can
    be found in the SVG."""
    ys, lefts, widths, faces, edges, hatches, gids, labels = [], [], [], [], [], [], [], []
    for y, line in bars:
        for segment in line.segments(weighted):
            if segment.width <= 0:
                continue
            ys.append(y)
            lefts.append(segment.start)
            widths.append(segment.width)
            faces.append(SUPPRESSED_COLOUR if segment.hidden else palette[segment.answer])
            edges.append(SUPPRESSED_EDGE if segment.hidden else "white")
            hatches.append(HATCH if segment.hidden else None)
            gids.append(f"{'suppressed' if segment.hidden else 'answer'}-{segment.answer}")
            if not segment.hidden and segment.width >= LABEL_MIN_PCT:
                labels.append((segment.start + segment.width / 2, y, percent(segment.width, "nl"),
                               _text_colour(palette[segment.answer])))
    if not ys:
        return
    container = ax.barh(ys, widths, left=lefts, color=faces, edgecolor=edges, linewidth=0.5)
    for rectangle, hatch, gid in zip(container.patches, hatches, gids):
        rectangle.set_gid(gid)
        if hatch:
            rectangle.set_hatch(hatch)
    for x, y, text, colour in labels:
        ax.text(x, y, text, ha="center", va="center", fontsize=8, color=colour)


def stacked_bars(panels: list[tuple[str, list[Line], list[str]]], answers: list[str], texts: dict,
                 salt: str, weighted: bool, statuses: list[str] | None = None) -> str:
    """SVG of one figure: a panel per (title, lines, bar labels), answers as the legend.
    `texts` holds the page language's 'suppressed_segment', 'bar_not_drawn' and 'not_asked'
    strings; `salt` makes the SVG's internal ids unique on a page with many inline figures;
    `weighted` picks the estimate (the one the page's tables print); `statuses` says per answer
    whether it is valid or "weet ik niet" / "wil ik niet zeggen" in the question's base."""
    fig = figure(panels, answers, texts, weighted, statuses)
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "text.parse_math": False}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})  # no date: the same data, the same page
    plt.close(fig)
    return _inline(buffer.getvalue())


def figure(panels: list[tuple[str, list[Line], list[str]]], answers: list[str], texts: dict,
           weighted: bool, statuses: list[str] | None = None) -> matplotlib.figure.Figure:
    """The matplotlib figure behind stacked_bars (the caller closes it)."""
    panels = [panel for panel in panels if panel[1]]
    palette = palette_for(statuses if statuses is not None else ["valid"] * len(answers))
    handles = [matplotlib.patches.Patch(color=c, label=a) for c, a in zip(palette, answers)]
    if any(line.suppressed_share(weighted) > 0 for _, lines, _ in panels for line in lines):
        handles.append(matplotlib.patches.Patch(facecolor=SUPPRESSED_COLOUR, hatch=HATCH, edgecolor=SUPPRESSED_EDGE,
                                                label=texts["suppressed_segment"]))
    legend_rows = -(-len(handles) // LEGEND_COLUMNS)
    # fixed margins in inches instead of tight_layout, which lays the figure out twice (the
    # page has dozens of figures) and moves the bars from figure to figure
    heights = [BAR_HEIGHT_INCHES * max(len(lines), 1) for _, lines, _ in panels]
    total = sum(heights) + len(panels) * (TITLE_INCHES + AXIS_INCHES) + legend_rows * LEGEND_ROW_INCHES + 0.15
    # parse_math off: a codebook label with two $ signs is text, not mathtext (which can raise)
    with plt.rc_context({"font.size": 9, "text.parse_math": False}):
        fig = plt.figure(figsize=(WIDTH_INCHES, total))
        top = total
        for (title, lines, labels), height in zip(panels, heights):
            top -= TITLE_INCHES + height
            ax = fig.add_axes((LEFT, top / total, RIGHT - LEFT, height / total))
            top -= AXIS_INCHES
            _panel(ax, title, lines, labels, palette, texts, weighted)
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), LEGEND_COLUMNS), fontsize=8,
                   frameon=False, bbox_to_anchor=(0.5, 0.0))
    return fig


def _panel(ax, title: str, lines: list[Line], labels: list[str], palette: list, texts: dict,
           weighted: bool) -> None:
    ys = list(range(len(lines)))[::-1]  # first subgroup on top, as the report
    drawn = []
    for y, line in zip(ys, lines):
        if line.hidden or line.not_asked:
            ax.text(1, y, texts["bar_not_drawn"] if line.hidden else texts["not_asked"],
                    va="center", fontsize=8, style="italic", color="#555555")
        else:
            drawn.append((y, line))
    _draw_bars(ax, drawn, palette, weighted)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(lines) - 0.4)
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter())


def _inline(svg: str) -> str:
    """The <svg> element alone (no XML declaration or DOCTYPE, which are invalid inside HTML),
    scaling with the page."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart-svg"', svg, count=1)
