"""The report's figures: horizontal stacked bars, one bar per subgroup, one segment per answer,
percentages of the question's base (valid answers, and "weet ik niet" where the report counts
it, a grey segment at the end). Written as inline SVG text, so a page needs nothing from the
network.

The figure has one fixed form (panels of stacked bars on a 0-100 % axis, a legend), so it is
written directly: a general plotting library would spend most of the report's time laying out
axes and text it does not need. Text widths are estimated from the number of characters
(`CHAR_WIDTH`, erring wide), which is enough to wrap or shrink long labels before they overlap.

Published numbers only: the bars are drawn from the suppressed lines (frames.Line.segments),
with the estimate the page's tables print (weighted or not). A suppressed answer keeps its place
in the bar as a grey hatched segment, so the answers after it start where they would; the
suppressed answers share 100 minus the printed cells (a sum of at least two cells, which reveals
none of them). A subgroup below the minimum gets no bar, only a note where the bar would be.

Inside a panel's plot area (a nested <svg>) positions are percentages of the axis, so a
segment's x and width in the SVG are its published start and share.
"""

from __future__ import annotations

import re
from html import escape

from orchestration.publication.frames import Line
from orchestration.publication.labels import percent

PX = 96                    # viewBox units per inch
PT = PX / 72               # a point in viewBox units
WIDTH_INCHES = 9.0
BAR_HEIGHT_INCHES = 0.32   # a bar's slot; the bar fills BAR_FILL of it
BAR_FILL = 0.8
TITLE_INCHES, AXIS_INCHES, LEGEND_ROW_INCHES, BOTTOM_INCHES = 0.3, 0.35, 0.22, 0.15
LEFT, RIGHT = 0.27, 0.97   # fractions of the width: subgroup names on the left
FONT_PT, LABEL_PT, TITLE_PT, MIN_PT = 9.0, 8.0, 10.0, 5.0
CHAR_WIDTH = 0.6           # average glyph width of a sans-serif font in ems, erring wide
LINE_SPACING = 1.2         # of the font size, between wrapped lines
LABEL_MIN_PCT = 6.0        # a segment narrower than this gets no number: it would not fit
SUPPRESSED_COLOUR = "#d9d9d9"
SUPPRESSED_EDGE = "#999999"
NOTE_COLOUR = "#555555"
LEGEND_COLUMNS = 3
TICKS = range(0, 101, 20)

# matplotlib's "viridis" (Smith & van der Walt, CC0): its 256 colours as hex, so the figures
# keep their colours without the library
_VIRIDIS = (
    "440154 440256 450457 450559 46075a 46085c 460a5d 460b5e 470d60 470e61 471063 471164 471365 481467 "
    "481668 481769 48186a 481a6c 481b6d 481c6e 481d6f 481f70 482071 482173 482374 482475 482576 482677 "
    "482878 482979 472a7a 472c7a 472d7b 472e7c 472f7d 46307e 46327e 46337f 463480 453581 453781 453882 "
    "443983 443a83 443b84 433d84 433e85 423f85 424086 424186 414287 414487 404588 404688 3f4788 3f4889 "
    "3e4989 3e4a89 3e4c8a 3d4d8a 3d4e8a 3c4f8a 3c508b 3b518b 3b528b 3a538b 3a548c 39558c 39568c 38588c "
    "38598c 375a8c 375b8d 365c8d 365d8d 355e8d 355f8d 34608d 34618d 33628d 33638d 32648e 32658e 31668e "
    "31678e 31688e 30698e 306a8e 2f6b8e 2f6c8e 2e6d8e 2e6e8e 2e6f8e 2d708e 2d718e 2c718e 2c728e 2c738e "
    "2b748e 2b758e 2a768e 2a778e 2a788e 29798e 297a8e 297b8e 287c8e 287d8e 277e8e 277f8e 27808e 26818e "
    "26828e 26828e 25838e 25848e 25858e 24868e 24878e 23888e 23898e 238a8d 228b8d 228c8d 228d8d 218e8d "
    "218f8d 21908d 21918c 20928c 20928c 20938c 1f948c 1f958b 1f968b 1f978b 1f988b 1f998a 1f9a8a 1e9b8a "
    "1e9c89 1e9d89 1f9e89 1f9f88 1fa088 1fa188 1fa187 1fa287 20a386 20a486 21a585 21a685 22a785 22a884 "
    "23a983 24aa83 25ab82 25ac82 26ad81 27ad81 28ae80 29af7f 2ab07f 2cb17e 2db27d 2eb37c 2fb47c 31b57b "
    "32b67a 34b679 35b779 37b878 38b977 3aba76 3bbb75 3dbc74 3fbc73 40bd72 42be71 44bf70 46c06f 48c16e "
    "4ac16d 4cc26c 4ec36b 50c46a 52c569 54c568 56c667 58c765 5ac864 5cc863 5ec962 60ca60 63cb5f 65cb5e "
    "67cc5c 69cd5b 6ccd5a 6ece58 70cf57 73d056 75d054 77d153 7ad151 7cd250 7fd34e 81d34d 84d44b 86d549 "
    "89d548 8bd646 8ed645 90d743 93d741 95d840 98d83e 9bd93c 9dd93b a0da39 a2da37 a5db36 a8db34 aadc32 "
    "addc30 b0dd2f b2dd2d b5de2b b8de29 bade28 bddf26 c0df25 c2df23 c5e021 c8e020 cae11f cde11d d0e11c "
    "d2e21b d5e21a d8e219 dae319 dde318 dfe318 e2e418 e5e419 e7e419 eae51a ece51b efe51c f1e51d f4e61e "
    "f6e620 f8e621 fbe723 fde725 "
).split()


def colours(count: int) -> list[str]:
    """One colour per answer in printed order; a sequential map reads for ordered scales and
    still separates nominal answers. Sampled from 0.1 to 0.9 of the map, as matplotlib would."""
    return ["#" + _VIRIDIS[min(int((0.1 + 0.8 * i / max(count - 1, 1)) * 256), 255)] for i in range(count)]


# "weet ik niet" and "wil ik niet zeggen", where a question's base counts them: plain greys at
# the end of the bar, apart from the answers' colours and from the hatched suppressed grey
MISSING_COLOURS = {"dont_know": "#b0b0b0", "no_answer": "#8a8a8a"}


def palette_for(statuses: list[str]) -> list[str]:
    """A colour per answer: the valid answers on the sequential map, the missing ones grey."""
    valid = iter(colours(sum(status == "valid" for status in statuses)))
    return [next(valid) if status == "valid" else MISSING_COLOURS[status] for status in statuses]


def _text_colour(colour: str) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.55 else "white"


# characters XML 1.0 cannot hold at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: object) -> str:
    """Text or attribute value as XML: markup characters escaped, the impossible ones dropped."""
    return escape(_NOT_XML.sub("", str(text)), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most four decimals, no trailing zeros, never "-0"."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _chars(size_pt: float, room: float) -> int:
    """How many characters of this size fit in `room` units, by estimate."""
    return max(int(room / (CHAR_WIDTH * size_pt * PT)), 1)


def _wrap(text: str, size_pt: float, room: float) -> list[str]:
    """Words to lines that fit in `room` units; a word longer than a line is cut."""
    per_line = _chars(size_pt, room)
    lines, current = [], ""
    for word in text.split():
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        if not word:
            continue
        if not current or len(current) + 1 + len(word) <= per_line:
            current = f"{current} {word}" if current else word
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current or not lines else lines


def _fit(text: str, size_pt: float, room: float, max_lines: int) -> tuple[list[str], float]:
    """(lines, size in pt) of a label in `room` units: wrapped to at most `max_lines`, smaller
    when it must be, and cut with an ellipsis at the smallest size."""
    size = size_pt
    while True:
        lines = _wrap(text, size, room)
        if len(lines) <= max_lines:
            return lines, size
        if size - 0.5 < MIN_PT:
            break
        size -= 0.5
    lines = lines[:max_lines]
    lines[-1] = lines[-1][:_chars(size, room) - 1] + "…"
    return lines, size


def _text(x: str, centre: float, lines: list[str], size_pt: float, attributes: str = "") -> str:
    """A <text> of one or more lines (tspans), vertically centred on `centre`."""
    size = size_pt * PT
    step = LINE_SPACING * size
    first = centre + 0.35 * size - (len(lines) - 1) * step / 2
    head = f'<text x="{x}" y="{_n(first)}" font-size="{_n(size)}"{attributes}>'
    if len(lines) == 1:
        return f"{head}{_esc(lines[0])}</text>"
    spans = "".join(f'<tspan x="{x}" dy="{_n(step) if i else 0}">{_esc(line)}</tspan>' for i, line in enumerate(lines))
    return f"{head}{spans}</text>"


def _id(salt: str) -> str:
    """An id prefix unique per salt: letters, digits and '-' kept, anything else as _hex_."""
    return "chart-" + re.sub(r"[^A-Za-z0-9-]", lambda match: f"_{ord(match.group()):x}_", salt)


def _hatch(pattern_id: str) -> str:
    """The suppressed grey with diagonal lines, as the fill of a suppressed segment."""
    return (f'<defs><pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="5" height="5" '
            f'patternTransform="rotate(45)"><rect width="5" height="5" fill="{SUPPRESSED_COLOUR}"/>'
            f'<line x1="0" y1="0" x2="0" y2="5" stroke="{SUPPRESSED_EDGE}" stroke-width="1.5"/></pattern></defs>')


def _segments(line: Line, top: float, slot: float, palette: list[str], hatch: str, weighted: bool) -> list[str]:
    """A bar's segments left to right, each a group named by its answer (`answer-N`, or
    `suppressed-N` for a run of suppressed answers from answer N), with its number when it fits.
    x and width are percentages of the axis."""
    y, height = top + slot * (1 - BAR_FILL) / 2, slot * BAR_FILL
    parts = []
    for segment in line.segments(weighted):
        if segment.width <= 0:
            continue
        if segment.hidden:
            kind, fill, edge = "suppressed", hatch, SUPPRESSED_EDGE
        else:
            kind, fill, edge = "answer", palette[segment.answer], "white"
        parts.append(f'<g class="{kind}-{segment.answer}"><rect x="{_n(segment.start)}%" y="{_n(y)}" '
                     f'width="{_n(segment.width)}%" height="{_n(height)}" fill="{fill}" stroke="{edge}" '
                     f'stroke-width="0.5"/>')
        if not segment.hidden and segment.width >= LABEL_MIN_PCT:
            parts.append(_text(f"{_n(segment.start + segment.width / 2)}%", top + slot / 2,
                               [percent(segment.width, "nl")], LABEL_PT,
                               f' text-anchor="middle" fill="{_text_colour(palette[segment.answer])}"'))
        parts.append("</g>")
    return parts


def _axis(height: float, slots: int, slot: float) -> list[str]:
    """Grid, spines and ticks of a plot area `height` high: 0-100 % every 20."""
    tick, pad = 3.5 * PT, 3.5 * PT
    parts = [f'<line x1="{t}%" y1="0" x2="{t}%" y2="{_n(height)}" stroke="#e6e6e6" stroke-width="0.8"/>'
             for t in TICKS[1:]]
    for t in TICKS:
        parts.append(f'<line x1="{t}%" y1="{_n(height)}" x2="{t}%" y2="{_n(height + tick)}" stroke="black" '
                     f'stroke-width="0.8"/>')
        parts.append(_text(f"{t}%", height + tick + pad + FONT_PT * PT / 2, [f"{t}%"], FONT_PT,
                           ' text-anchor="middle"'))
    for index in range(slots):
        centre = _n(index * slot + slot / 2)
        parts.append(f'<line x1="{_n(-tick)}" y1="{centre}" x2="0" y2="{centre}" stroke="black" stroke-width="0.8"/>')
    parts.append(f'<line x1="0" y1="0" x2="0" y2="{_n(height)}" stroke="black" stroke-width="0.8"/>'
                 f'<line x1="0" y1="{_n(height)}" x2="100%" y2="{_n(height)}" stroke="black" stroke-width="0.8"/>')
    return parts


def _panel(top: float, title: str, lines: list[Line], labels: list[str], palette: list[str], texts: dict,
           hatch: str, weighted: bool) -> tuple[list[str], float]:
    """One panel from `top` down: title, a bar per line (first subgroup on top) with its label on
    the left, the axis; and its height."""
    if len(labels) != len(lines):
        raise ValueError(f"figure panel {title!r}: {len(labels)} labels for {len(lines)} bars")
    width = WIDTH_INCHES * PX
    left, plot_width = LEFT * width, (RIGHT - LEFT) * width
    slot = BAR_HEIGHT_INCHES * PX
    plot_top, height = top + TITLE_INCHES * PX, slot * max(len(lines), 1)
    title_lines, title_size = _fit(title, TITLE_PT, width - left - 4, 1)
    parts = [_text(_n(left), plot_top - 6 * PT - TITLE_PT * PT * 0.35, title_lines, title_size,
                   ' font-weight="bold"')]
    label_x = left - 7 * PT
    for index, label in enumerate(labels):
        label_lines, size = _fit(label, FONT_PT, label_x - 4, 2)
        parts.append(_text(_n(label_x), plot_top + index * slot + slot / 2, label_lines, size, ' text-anchor="end"'))
    parts.append(f'<svg x="{_n(left)}" y="{_n(plot_top)}" width="{_n(plot_width)}" height="{_n(height)}" '
                 f'overflow="visible">')
    parts += _axis(height, len(lines), slot)
    for index, line in enumerate(lines):
        if line.hidden or line.not_asked:
            note = texts["bar_not_drawn"] if line.hidden else texts["not_asked"]
            note_lines, size = _fit(note, LABEL_PT, plot_width * 0.98, 1)
            parts.append(_text("1%", index * slot + slot / 2, note_lines, size,
                               f' font-style="italic" fill="{NOTE_COLOUR}" class="note"'))
        else:
            parts += _segments(line, index * slot, slot, palette, hatch, weighted)
    parts.append("</svg>")
    return parts, TITLE_INCHES * PX + height + AXIS_INCHES * PX


def _columns(items: list[tuple[str, str]], room: float, marker: float) -> list[list[tuple[str, list[str]]]]:
    """The legend's items in columns, filled top to bottom: as many columns (up to
    LEGEND_COLUMNS) as fit with every label on one line, else one column with the labels
    wrapped. `marker` is the width of a swatch and its gap to the label."""
    column_gap = 2 * LABEL_PT * PT
    for count in range(min(LEGEND_COLUMNS, len(items)), 0, -1):
        rows = -(-len(items) // count)
        columns = [items[start:start + rows] for start in range(0, len(items), rows)]
        widths = [marker + max(len(label) for _, label in column) * CHAR_WIDTH * LABEL_PT * PT for column in columns]
        if sum(widths) + column_gap * (len(columns) - 1) <= room:
            return [[(fill, [label]) for fill, label in column] for column in columns]
    return [[(fill, _wrap(label, LABEL_PT, room - marker)) for fill, label in items]]


def _legend(top: float, items: list[tuple[str, str]]) -> tuple[list[str], float]:
    """Swatch and label per (fill, label), centred under the panels; and its height."""
    width, size = WIDTH_INCHES * PX, LABEL_PT * PT
    swatch, gap, column_gap = 2 * size, 0.8 * size, 2 * size
    columns = _columns(items, width - 8, swatch + gap)
    widths = [swatch + gap + max(len(line) for _, lines in column for line in lines) * CHAR_WIDTH * size
              for column in columns]
    rows = [max(len(column[row][1]) for column in columns if row < len(column)) for row in range(len(columns[0]))]
    heights = [LEGEND_ROW_INCHES * PX + (lines - 1) * LINE_SPACING * size for lines in rows]
    x = (width - sum(widths) - column_gap * (len(columns) - 1)) / 2
    parts = ['<g class="legend">']
    for column, column_width in zip(columns, widths):
        y = top
        for (fill, lines), height in zip(column, heights):
            centre = y + height / 2
            edge = SUPPRESSED_EDGE if fill.startswith("url(") else "none"
            parts.append(f'<g class="legend-item"><rect x="{_n(x)}" y="{_n(centre - 0.35 * size)}" '
                         f'width="{_n(swatch)}" height="{_n(0.7 * size)}" fill="{fill}" stroke="{edge}" '
                         f'stroke-width="0.5"/>{_text(_n(x + swatch + gap), centre, lines, LABEL_PT)}</g>')
            y += height
        x += column_width + column_gap
    parts.append("</g>")
    return parts, sum(heights)


def stacked_bars(panels: list[tuple[str, list[Line], list[str]]], answers: list[str], texts: dict,
                 salt: str, weighted: bool, statuses: list[str] | None = None) -> str:
    """SVG of one figure: a panel per (title, lines, bar labels), answers as the legend.
    `texts` holds the page language's 'suppressed_segment', 'bar_not_drawn' and 'not_asked'
    strings; `salt` makes the SVG's ids unique on a page with many inline figures; `weighted`
    picks the estimate (the one the page's tables print); `statuses` says per answer whether it
    is valid or "weet ik niet" / "wil ik niet zeggen" in the question's base."""
    panels = [panel for panel in panels if panel[1]]
    palette = palette_for(statuses if statuses is not None else ["valid"] * len(answers))
    hatch_id = f"{_id(salt)}-hatch"
    items = list(zip(palette, answers))
    suppressed = any(line.suppressed_share(weighted) > 0 for _, lines, _ in panels for line in lines)
    if suppressed:
        items.append((f"url(#{hatch_id})", texts["suppressed_segment"]))
    body, top = [], 0.0
    for title, lines, labels in panels:
        parts, height = _panel(top, title, lines, labels, palette, texts, f"url(#{hatch_id})", weighted)
        body += parts
        top += height
    legend, legend_height = _legend(top, items) if items else ([], 0.0)
    width, height = WIDTH_INCHES * PX, top + legend_height + BOTTOM_INCHES * PX
    name = _esc(" · ".join(title for title, _, _ in panels))
    return "".join([f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
                    f'class="chart-svg" role="img" aria-label="{name}" font-family="sans-serif" '
                    f'font-size="{_n(FONT_PT * PT)}">', _hatch(hatch_id) if suppressed else "", *body, *legend,
                    "</svg>"])
