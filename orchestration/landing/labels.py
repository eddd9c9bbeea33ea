"""The export's own value labels against the codebook: the check that holds on real data.

An export says in its dictionary what each code means (SPSS value labels, or the CSV labels
sidecar). The crosswalk says which harmonised code a source code becomes, and the answer set
says what that harmonised code means. The two are written by different people: the survey
platform and the codebook's author. So for every coded variable, the label the export gives a
source code must be the codebook's label of the harmonised code the crosswalk maps it to. A
crosswalk row with two codes swapped, or a reversed scale not marked as reversed, makes them
disagree, and the file is refused before anything is written.

- Labels are compared in Dutch (`answer_sets.label_nl`): the platform exports the Dutch
  master questionnaire's labels whatever language a respondent answered in.
- Compared normalised (`normalise`): case, whitespace, punctuation and quote style and
  diacritics do not count; words, digits and symbols such as < or + do.
- A wave that re-worded a label is accepted only through a reviewed row of
  `label_synonyms.csv` (meting, answer set, harmonised code, the export's label, a note).
- Missing codes ("weet ik niet", skipped) are checked like any other where the answer set
  labels them. A missing code the export uses without a label is accepted: the crosswalk's
  missing_type says what it is. A substantive code used without a label cannot be checked
  and refuses the file, as does a label for a code the crosswalk does not map (the export is
  coded differently from what the codebook describes).
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

import pandas as pd

from orchestration.codebook import ANSWER_SETS, LabelBook, Mapping
from orchestration.landing.errors import Problem
from orchestration.landing.export import RawExport


# a codebook holds a few thousand labels, compared again for every export and every draft
@lru_cache(maxsize=1 << 16, typed=True)
def normalise(label: str) -> str:
    """'Redelijk (niet goed, niet slecht)' == 'redelijk niet goed niet slecht'; 'Syrië' == 'Syrie'.
    A dash before a digit is a sign or a range and stays: '-1' is not '1', nor '1-2' '1 2'."""
    decomposed = unicodedata.normalize("NFKD", str(label))
    kept = []
    for position, char in enumerate(decomposed):
        category = unicodedata.category(char)
        if category == "Mn":  # a diacritic split off its letter
            continue
        before_digit = decomposed[position + 1:position + 2].isdigit()
        if (category == "Pd" or char == "\u2212") and before_digit:
            kept.append("-")
        else:
            kept.append(" " if category.startswith("P") else char)
    return " ".join("".join(kept).casefold().split())


def check_labels(export: RawExport, coded: list[str], book: LabelBook) -> list[Problem]:
    """Every problem with the value labels of the export's coded variables `coded`."""
    file, meting = export.path.name, export.meting
    problems = []
    for name in coded:
        if name not in export.data.columns or not pd.api.types.is_numeric_dtype(export.data[name]):
            continue  # absent or text: validation already refuses the file for that
        mapping = book.mappings.get((meting, export.questionnaire, name), {})
        given = export.value_labels.get(name, {})
        problems += _labelled(file, meting, name, given, mapping, book)
        problems += _unlabelled(file, meting, name, export.data[name], given, mapping, book)
    return problems


def _labelled(file: str, meting: int, name: str, given: dict[int, str], mapping: dict[int, Mapping],
              book: LabelBook) -> list[Problem]:
    problems = []
    for code, label in sorted(given.items()):
        target = mapping.get(int(code))
        if target is None:
            problems.append(Problem(file, f"value label {label!r} for code {code}, which the crosswalk does not map",
                                    variable=name, where=f"code {code}",
                                    expected=f"only the codes of the crosswalk ({_codes(mapping)})"))
            continue
        accepted = book.expected(meting, target)
        if not accepted:
            if not target.missing:
                problems.append(Problem(file, f"code {code} ({label!r}) maps to harmonised code "
                                        f"{target.harmonised_code}, which answer set {target.answer_set_id} "
                                        f"does not label", variable=name, where=f"code {code}",
                                        expected=f"a label for it in {ANSWER_SETS}"))
            continue
        if normalise(label) not in {normalise(text) for text in accepted}:
            problems.append(Problem(
                file, f"the export labels code {code} {label!r}", variable=name, where=f"code {code}",
                expected=f"{accepted[0]!r}: the label of harmonised code {target.harmonised_code} "
                         f"({target.answer_set_id}) the crosswalk maps code {code} to"
                         + (f", or a reviewed synonym ({', '.join(map(repr, accepted[1:]))})" if accepted[1:] else "")))
    return problems


def _unlabelled(file: str, meting: int, name: str, column: pd.Series, given: dict[int, str],
                mapping: dict[int, Mapping], book: LabelBook) -> list[Problem]:
    problems = []
    # a value no code can be (inf, 1e20, 2.5) is the value check's to name (validation.py)
    used = sorted({int(value) for value in column.dropna().unique()
                   if math.isfinite(value) and abs(value) < 2**63 and value == int(value)})
    for code in used:
        target = mapping.get(code)
        if code in given or target is None or target.missing:
            continue  # labelled (checked above), outside the crosswalk (validation says so) or a missing code
        accepted = book.expected(meting, target)
        problems.append(Problem(file, f"code {code} is used but the export gives it no value label, so what it "
                                      "means cannot be checked", variable=name, where=f"code {code}",
                                expected=f"a value label ({accepted[0]!r} per the codebook)" if accepted
                                else "a value label"))
    return problems


def _codes(mapping: dict[int, Mapping]) -> str:
    return ", ".join(str(code) for code in sorted(mapping)) or "none for this variable"

