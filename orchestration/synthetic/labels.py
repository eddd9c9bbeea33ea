"""Reading the report's column, group and category labels as filters and answer codes.

The report writes the same subgroup many ways ("Wi2013-gezin/overig", "Cohort 2 (na 1 januari
2024)", "mannen", "Onderwijsroute"); these helpers turn them into `where` filters over the
respondent cells, and answer categories ("(heel) goed") into sets of harmonised codes.
"""

from __future__ import annotations

import re

import pandas as pd

GROUPS = ("Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin")
_ROUTES = {"b1-route": "B1", "b1": "B1", "o-route": "O", "onderwijsroute": "O", "z-route": "Z"}
_GENDERS = {"mannen": "man", "man": "man", "vrouwen": "vrouw", "vrouw": "vrouw"}
_MIGRANT_TYPES = {"asielmigranten": "asiel", "gezinsmigranten": "gezin"}


def _one_part(part: str) -> dict[str, object] | None:
    text = part.strip().lower()
    text = re.sub(r"\s*/\s*overig$", "", text)
    for group in GROUPS:
        if text.startswith(group.lower()):
            where: dict[str, object] = {"group_label": group}
            rest = text[len(group):]
            cohort = re.search(r"cohort\s*([12])", rest)
            if cohort:
                where["cohort"] = int(cohort.group(1))
            return where
    if text in ("wi2021", "wi2013"):
        return {"wet": "Wi2021" if text == "wi2021" else "Wi2013"}
    if text in _ROUTES:
        return {"wet": "Wi2021", "leerroute": _ROUTES[text]}
    cohort = re.match(r"(?:wi2021,?\s*)?cohort\s*([12])", text)
    if cohort:
        return {"wet": "Wi2021", "cohort": int(cohort.group(1))}
    if text in _GENDERS:
        return {"gender": _GENDERS[text]}
    if text in _MIGRANT_TYPES:
        return {"migrant_type": _MIGRANT_TYPES[text]}
    if text in ("totaal", "total", "all"):
        return {}
    return None


def subgroup(label: str) -> dict[str, object] | None:
    """'Wi2021-asiel | Mannen' -> {'group_label': 'Wi2021-asiel', 'gender': 'man'}; None when
    the label names nothing the generator can select on."""
    named = [group for group in GROUPS if group.lower() in str(label).lower()]
    if len(named) > 1:
        return {"group_label": named}
    where: dict[str, object] = {}
    for part in re.split(r"[|,]", str(label)):
        parsed = _one_part(part)
        if parsed is None:
            return None
        where.update(parsed)
    return where


def _normalise(text: str) -> str:
    text = str(text).lower().replace("…", "").replace("...", "")
    return re.sub(r"[\s,.;:]+", " ", text).strip()


def category_codes(category: str, answers: pd.DataFrame) -> frozenset[int]:
    """Codes whose label the category names: exactly, or by a printed collapse such as
    '(heel) goed' (= 'heel goed' + 'goed') or 'niet zo goed/slecht' (= both)."""
    labels = {_normalise(label): int(code) for label, code in zip(answers["label_nl"], answers["code"])}
    wanted = _normalise(category)
    if wanted in labels:
        return frozenset({labels[wanted]})
    candidates: set[str] = set()
    collapse_words: list[str] = []
    for piece in re.split(r"\s*/\s*|\s+of\s+", str(category)):
        collapse = re.fullmatch(r"\s*\(([^)]+)\)\s*(.+)", piece)
        if collapse:
            qualifier, word = collapse.groups()
            candidates |= {_normalise(f"{qualifier} {word}"), _normalise(word)}
            if _normalise(word) not in labels:
                collapse_words.append(_normalise(word))
            for synonym in ("heel", "zeer", "helemaal"):
                candidates.add(_normalise(f"{synonym} {word}"))
        else:
            candidates.add(_normalise(piece))
    # "(heel) moeilijk" on a scale with "heel moeilijk" and "redelijk moeilijk" but no plain
    # "moeilijk": every label ending in the word, unless negated ("niet zo goed")
    return frozenset(
        code for label, code in labels.items()
        if label in candidates
        or (any(label.endswith(" " + word) for word in collapse_words) and "niet" not in label.split())
    )
