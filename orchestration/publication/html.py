"""The report as one self-contained HTML page: plain tables, inline SVG figures and inline CSS
(a print stylesheet included); no script, no external file or font, so it opens offline. Each
table's CSV lies beside the page and is linked under the table."""

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
td.small-group,td.not-asked{text-align:left;font-style:italic} td.emphasised{font-weight:bold;background:#fff3cd}
td[data-marks]::after{content:" " attr(data-marks);font-size:0.8em;color:#555}
tr.difference td,tr.difference th{border-bottom:2px solid #bbb}
table.report tfoot td{text-align:left;font-size:0.85em;color:#555}
table.report caption{text-align:left;font-size:0.85em;color:#555;caption-side:top}
p.download{font-size:0.85em} table.index td{text-align:left}
@media print{
body{margin:0;max-width:none;font-size:10pt}
nav,p.download{display:none}
section.question{border-top:none;margin:1em 0}
table.report,figure.chart,tr{break-inside:avoid;page-break-inside:avoid}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
svg.chart-svg{max-width:100%}
}
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
            f'{notes_html}\n<p class="note">{labels.text(language, "source", other=other)} · '
            f'<a href="index.html">{esc(labels.text(language, "all_pages"))}</a></p>\n'
            f'<nav><h2>{labels.text(language, "contents")}</h2><ol>{toc}</ol></nav>\n'
            + "\n".join(sections) + "\n</body>\n</html>\n")


def section(anchor: str, heading: str, figure_svg: str, caption: str, table_html: str, weighted: bool) -> str:
    estimate = "weighted" if weighted else "unweighted"
    return (f'<section class="question" id="{esc(anchor)}">\n<h2>{esc(heading)}</h2>\n'
            f'<figure class="chart" id="{esc(anchor)}-figure" data-estimate="{estimate}">{figure_svg}'
            f'<figcaption>{esc(caption)}</figcaption></figure>\n{table_html}\n</section>')


def _cell(cell, weighted: bool, language: str) -> str:
    classes = {"primary": "suppressed", "secondary": "suppressed", "not_asked": "not-asked"}
    value = cell.estimate(weighted)
    if cell.reason == "not_asked":
        text = labels.NOT_ASKED_MARK[language]
    elif cell.reason is not None or value is None:
        text = labels.SUPPRESSED_MARK
    else:
        text = labels.percent(value, language)
    return f'<td class="{classes.get(cell.reason, "value")}">{esc(text)}</td>'


def _row(line: Line, label: str, weighted: bool, language: str, min_count: int) -> str:
    width = len(line.cells)
    meting = f' data-meting="{esc(line.label_suffix)}"' if line.label_suffix else ""
    head = (f'<tr class="line" data-breakdown="{esc(line.breakdown)}" data-value="{esc(line.value)}"{meting}>'
            f'<th scope="row">{esc(label)}</th>')
    if line.hidden:
        return head + (f'<td class="small-group" colspan="{width + 1}">'
                       f'{esc(labels.text(language, "small_group", min_count=min_count))}</td></tr>')
    if line.not_asked:
        return head + f'<td class="not-asked" colspan="{width + 1}">{esc(labels.text(language, "not_asked"))}</td></tr>'
    n = "" if line.n is None else labels.count(line.n, language)
    return head + f'<td class="n">{n}</td>' + "".join(_cell(c, weighted, language) for c in line.cells) + "</tr>"


def difference_text(difference, weighted: bool, language: str) -> str:
    """A difference as printed: empty when the sides are not comparable, "–" when suppressed."""
    points, _ = difference.estimate(weighted)
    if not difference.comparable:  # a side not asked: nothing to compare, nothing hidden
        return ""
    return labels.SUPPRESSED_MARK if points is None else labels.points(points, language)


def _difference_cell(difference, weighted: bool, language: str, points: float) -> str:
    """A difference as the mart judges it: bold only when emphasised (meaningful and
    significant); otherwise the marker of whichever verdict holds ('≥8', '*'), shown after the
    number by the stylesheet so the cell's text stays the number. The interval is its title."""
    meaningful, significant, emphasised = difference.verdict(weighted)
    text = difference_text(difference, weighted, language)
    shown = text not in ("", labels.SUPPRESSED_MARK)
    marks = labels.markers(meaningful, significant, points) if shown and not emphasised else ""
    lower, upper = difference.ci95(weighted)
    title = (f' title="{esc(labels.text(language, "interval"))} {esc(labels.interval(lower, upper, language))}"'
             if shown and lower is not None and upper is not None else "")
    css = "emphasised" if shown and emphasised else "difference"
    data_marks = f' data-marks="{esc(marks)}"' if marks else ""
    return f'<td class="{css}"{data_marks}{title}>{esc(text)}</td>'


def _difference_row(line: Line, weighted: bool, language: str, points: float) -> str:
    cells = "".join(_difference_cell(difference, weighted, language, points) for difference in line.difference)
    return (f'<tr class="difference" data-breakdown="{esc(line.breakdown)}" data-value="{esc(line.value)}">'
            f'<th scope="row">{esc(labels.text(language, "difference"))}</th><td></td>{cells}</tr>')


def table(table_id: str, groups: list[tuple[str, list[Line], list[str]]], answers: list[str], weighted: bool,
          language: str, min_count: int, notes: list[str], caption: str, csv_href: str | None = None,
          points: float = 8) -> str:
    """One table per question: a block of rows per breakdown (groups: (title, lines, labels)),
    answers as columns, the page's one estimate (weighted or not, named in the caption)."""
    header = (f'<tr><th scope="col">{esc(labels.text(language, "subgroup"))}</th>'
              f'<th scope="col">{labels.text(language, "n")}</th>'
              + "".join(f'<th scope="col">{esc(answer)}</th>' for answer in answers) + "</tr>")
    width = 2 + len(answers)
    body = []
    for title, lines, row_labels in groups:
        if not lines:
            continue
        body.append(f'<tr class="breakdown"><th colspan="{width}">{esc(title)}</th></tr>')
        for line, label in zip(lines, row_labels):
            body.append(_row(line, label, weighted, language, min_count))
            if line.difference:
                body.append(_difference_row(line, weighted, language, points))
    foot = "".join(f'<tr><td colspan="{width}">{esc(note)}</td></tr>' for note in notes)
    download = ("" if csv_href is None else
                f'\n<p class="download"><a href="{esc(csv_href)}">{esc(labels.text(language, "csv"))}</a></p>')
    estimate = "weighted" if weighted else "unweighted"
    return (f'<table class="report" id="{esc(table_id)}" data-weighted="{str(weighted).lower()}" '
            f'data-estimate="{estimate}">\n<caption>{esc(caption)}</caption>\n'
            f'<thead>{header}</thead>\n<tbody>{"".join(body)}</tbody>\n<tfoot>{foot}</tfoot>\n</table>{download}')


def index(entries: list[tuple[dict[str, str], dict[str, str]]]) -> str:
    """The publication's index: per page its title in Dutch and in English, each linking to the
    page in that language. `entries`: (title per language, file per language)."""
    title = " / ".join(labels.text(language, "index_title") for language in labels.LANGUAGES)
    rows = []
    for titles, files in entries:
        cells = "".join(
            f'<td lang="{language}">' + (f'<a href="{esc(files[language])}">{esc(titles[language])}</a>'
                                         if language in files else esc(titles[language])) + "</td>"
            for language in labels.LANGUAGES)
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f'<th scope="col" lang="{language}">{esc(labels.LANGUAGE_NAMES[language])}</th>'
                   for language in labels.LANGUAGES)
    return (f'<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8"/>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>\n<title>{esc(title)}</title>\n'
            f'<style>{STYLE}</style>\n</head>\n<body>\n<h1>{esc(title)}</h1>\n'
            f'<table class="report index"><thead><tr>{head}</tr></thead>\n<tbody>{"".join(rows)}</tbody></table>\n'
            "</body>\n</html>\n")
