"""The report as one self-contained HTML page: plain tables, inline SVG figures, inline CSS and
a few lines of inline JavaScript; no external file, font or script, so it opens offline."""

from __future__ import annotations

import html

from orchestration.publication import labels
from orchestration.publication.frames import Line

STYLE = """
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:2em;max-width:70em;color:#222}
p.intro,p.note{max-width:60em} section.question{margin:2.5em 0;border-top:1px solid #ccc;padding-top:1em}
figure.chart{margin:1em 0} svg.chart-svg{width:100%;max-width:900px;height:auto;display:block}
table.report{border-collapse:collapse;font-size:0.9em;margin:1em 0}
table.report th,table.report td{padding:0.2em 0.6em;border-bottom:1px solid #e5e5e5}
table.report td{text-align:right} table.report th[scope=row]{text-align:left;font-weight:normal}
tr.breakdown th{text-align:left;background:#f3f3f3} td.suppressed,td.small-group,td.not-asked{color:#777}
td.small-group,td.not-asked{text-align:left;font-style:italic} td.meaningful{font-weight:bold;background:#fff3cd}
tr.difference td,tr.difference th{border-bottom:2px solid #bbb}
table.report tfoot td{text-align:left;font-size:0.85em;color:#555}
"""

# Runs in the reader's browser after the figures are laid out: records each figure's drawn size
# on the element, so a headless browser's DOM dump shows whether the figures really render.
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


def esc(value: object) -> str:
    return html.escape(str(value))


def page(title: str, language: str, intro: str, sections: list[str], contents: list[tuple[str, str]],
         notes: list[str], other_language_href: str) -> str:
    toc = "".join(f'<li><a href="#{esc(anchor)}">{esc(text)}</a></li>' for anchor, text in contents)
    other = f'<a href="{esc(other_language_href)}">{labels.text(language, "other_language")}</a>'
    notes_html = "".join(f'<p class="note">{esc(note)}</p>' for note in notes)
    return (f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8"/>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>\n<title>{esc(title)}</title>\n'
            f'<style>{STYLE}</style>\n</head>\n<body>\n<h1>{esc(title)}</h1>\n<p class="intro">{esc(intro)}</p>\n'
            f'{notes_html}\n<p class="note">{labels.text(language, "source", other=other)}</p>\n'
            f'<nav><h2>{labels.text(language, "contents")}</h2><ol>{toc}</ol></nav>\n'
            + "\n".join(sections) + f"\n{MEASURE_SCRIPT}</body>\n</html>\n")


def section(anchor: str, heading: str, figure_svg: str, caption: str, table_html: str) -> str:
    return (f'<section class="question" id="{esc(anchor)}">\n<h2>{esc(heading)}</h2>\n'
            f'<figure class="chart" id="{esc(anchor)}-figure">{figure_svg}<figcaption>{esc(caption)}</figcaption>'
            f'</figure>\n{table_html}\n</section>')


def _cell(cell, weighted: bool, language: str) -> str:
    classes = {"primary": "suppressed", "secondary": "suppressed", "not_asked": "not-asked"}
    if cell.reason == "not_asked":
        text = labels.NOT_ASKED_MARK[language]
    elif cell.pct is None:
        text = labels.SUPPRESSED_MARK
    else:
        text = labels.percent(cell.pct, language)
    parts = [f'<td class="{classes.get(cell.reason, "value")}">{esc(text)}</td>']
    if weighted:
        shown = cell.pct_weighted is not None and cell.reason is None
        mark = labels.NOT_ASKED_MARK[language] if cell.reason == "not_asked" else labels.SUPPRESSED_MARK
        parts.append(f'<td class="weighted">{esc(labels.percent(cell.pct_weighted, language) if shown else mark)}</td>')
    return "".join(parts)


def _row(line: Line, label: str, weighted: bool, language: str, min_count: int) -> str:
    width = len(line.cells) * (2 if weighted else 1)
    meting = f' data-meting="{esc(line.label_suffix)}"' if line.label_suffix else ""
    head = (f'<tr class="line" data-breakdown="{esc(line.breakdown)}" data-value="{esc(line.value)}"{meting}>'
            f'<th scope="row">{esc(label)}</th>')
    if line.hidden:
        return head + (f'<td class="small-group" colspan="{width + 1}">'
                       f'{esc(labels.text(language, "small_group", min_count=min_count))}</td></tr>')
    if line.not_asked:
        return head + f'<td class="not-asked" colspan="{width + 1}">{esc(labels.text(language, "not_asked"))}</td></tr>'
    n = "" if line.n is None else f"{line.n:,}".replace(",", "." if language == "nl" else ",")
    return head + f'<td class="n">{n}</td>' + "".join(_cell(c, weighted, language) for c in line.cells) + "</tr>"


def _difference_row(line: Line, weighted: bool, language: str) -> str:
    cells = []
    for difference in line.difference:
        if not difference.comparable:  # a side not asked: nothing to compare, nothing hidden
            text = ""
        elif difference.points is None:
            text = labels.SUPPRESSED_MARK
        else:
            text = labels.points(difference.points, language)
        cells.append(f'<td class="{"meaningful" if difference.meaningful else "difference"}">{esc(text)}</td>')
        if weighted:
            wtext = "" if difference.points_weighted is None else labels.points(difference.points_weighted, language)
            cells.append(f'<td class="weighted">{esc(wtext)}</td>')
    return (f'<tr class="difference" data-value="{esc(line.value)}"><th scope="row">'
            f'{esc(labels.text(language, "difference"))}</th><td></td>{"".join(cells)}</tr>')


def table(table_id: str, groups: list[tuple[str, list[Line], list[str]]], answers: list[str], weighted: bool,
          language: str, min_count: int, notes: list[str]) -> str:
    """One table per question: a block of rows per breakdown (groups: (title, lines, labels)),
    answers as columns; with weights, a weighted column beside each unweighted one."""
    span = ' colspan="2"' if weighted else ""
    header = (f'<tr><th scope="col">{esc(labels.text(language, "subgroup"))}</th>'
              f'<th scope="col">{labels.text(language, "n")}</th>'
              + "".join(f'<th scope="col"{span}>{esc(answer)}</th>' for answer in answers) + "</tr>")
    if weighted:
        header += ("<tr><th></th><th></th>" + "".join(
            f'<th scope="col">{labels.text(language, "pct")}</th><th scope="col">{labels.text(language, "pct_weighted")}</th>'
            for _ in answers) + "</tr>")
    width = 2 + len(answers) * (2 if weighted else 1)
    body = []
    for title, lines, row_labels in groups:
        if not lines:
            continue
        body.append(f'<tr class="breakdown"><th colspan="{width}">{esc(title)}</th></tr>')
        for line, label in zip(lines, row_labels):
            body.append(_row(line, label, weighted, language, min_count))
            if line.difference:
                body.append(_difference_row(line, weighted, language))
    foot = "".join(f'<tr><td colspan="{width}">{esc(note)}</td></tr>' for note in notes)
    return (f'<table class="report" id="{esc(table_id)}" data-weighted="{str(weighted).lower()}">\n'
            f'<thead>{header}</thead>\n<tbody>{"".join(body)}</tbody>\n<tfoot>{foot}</tfoot>\n</table>')
