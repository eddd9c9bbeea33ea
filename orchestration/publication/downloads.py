"""Each table of a page as a CSV file beside the page: the same rows, the same estimate and the
same disclosure control (a suppressed or unpublished cell is empty), numbers as the page prints
them with a decimal point, so a spreadsheet reads them without conversion."""

from __future__ import annotations

import csv
import io

from orchestration.publication import labels
from orchestration.publication.frames import Line


def _percent(cell, weighted: bool, language: str) -> str:
    value = cell.estimate(weighted)
    if cell.reason is not None or value is None:
        return ""
    return labels.percent(value, language)


def _difference(difference, weighted: bool) -> str:
    points, _ = difference.estimate(weighted)
    if not difference.comparable or points is None:
        return ""
    return labels.points(points, "en")  # a decimal point in both languages


def _bound(difference, weighted: bool, which: int) -> str:
    bound = difference.ci95(weighted)[which]
    if not difference.comparable or bound is None or difference.estimate(weighted)[0] is None:
        return ""
    return labels.points(bound, "en")


def _verdict(difference, weighted: bool, points: float) -> str:
    """The mart's verdicts in the page's marks: '≥8', '*', or both (then bold on the page)."""
    if not difference.comparable or difference.estimate(weighted)[0] is None:
        return ""
    meaningful, significant, _ = difference.verdict(weighted)
    return labels.markers(meaningful, significant, points)


def table_csv(groups: list[tuple[str, list[Line], list[str]]], answers: list[str], weighted: bool,
              language: str, estimate: str, points: float = 8) -> str:
    """The CSV text of one table: a row per subgroup (and meting, on a comparison page), a
    column per answer, and on a comparison the difference rows, each followed by its 95 %
    interval (lower and upper bound) and the mart's verdict marks."""
    comparison = any(line.label_suffix for _, lines, _ in groups for line in lines)
    text = lambda key: labels.text(language, key)  # noqa: E731
    header = [text("breakdown"), text("subgroup")] + ([text("meting")] if comparison else [])
    header += [text("row_kind"), text("n"), *[f"{answer} ({estimate.lower()})" for answer in answers]]
    rows = [header]
    for title, lines, row_labels in groups:
        for line, label in zip(lines, row_labels):
            name = labels.value_label(line.breakdown, line.value, language)
            lead = [title, name] + ([line.label_suffix] if comparison else [])
            published = not (line.hidden or line.not_asked)
            n = labels.count(line.n, "en").replace(",", "") if published and line.n is not None else ""
            rows.append(lead + [text("row_percent"), n]
                        + [_percent(cell, weighted, language) if published else "" for cell in line.cells])
            if line.difference:
                rows.append(lead + [text("difference"), ""] + [_difference(d, weighted) for d in line.difference])
                rows.append(lead + [text("interval_lower"), ""] + [_bound(d, weighted, 0) for d in line.difference])
                rows.append(lead + [text("interval_upper"), ""] + [_bound(d, weighted, 1) for d in line.difference])
                rows.append(lead + [text("verdict"), ""] + [_verdict(d, weighted, points) for d in line.difference])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
