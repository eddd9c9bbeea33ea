"""Words of the report in Dutch and English.

Question texts and answer labels come from the codebook (dim_question.question_text_nl/_en,
item_label_nl/_en; dim_answer_option.label_nl/_en), so they are not repeated here. This module
holds only what the codebook does not say: the report's fixed strings and the names of the
subgroups (breakdown values), which live in fct_respondent as codes ('B1', '1').
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

LANGUAGES = ("nl", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}

# The three splits of the report's figures, in the order the report shows them.
BREAKDOWNS = ("group", "leerroute", "cohort")

TEXT = {
    "nl": {
        "meting_title": "Perspectief inburgeraars: meting {meting}",
        "comparison_title": "Perspectief inburgeraars: meting {previous} en {meting} vergeleken",
        "meting_intro": ("Antwoordverdelingen van meting {meting} per type inburgeraar, leerroute en cohort: "
                         "per vraag percentages van de basis die het rapport gebruikt: de geldige antwoorden, "
                         "behalve waar een noot onder de tabel zegt dat 'weet ik niet' (en 'wil ik niet zeggen') "
                         "meetelt; dan is dat antwoord een kolom van de tabel en een deel van de balk. "
                         "Vragen: de vragen die het rapport in een figuur toont "
                         "(codeboek, kolom report_tables), {shown} van {selected}."),
        "comparison_intro": ("Meting {meting} tegen meting {previous} per type inburgeraar, leerroute en "
                             "cohort (marts.mart_meting_comparison), per vraag over de basis die het rapport "
                             "gebruikt (de geldige antwoorden, tenzij een noot onder de tabel 'weet ik niet' "
                             "noemt). Vet: een verschil dat zowel {points} procentpunten of meer is (de vuistregel "
                             "van het rapport) als significant (95 %-betrouwbaarheidsinterval zonder 0); geldt "
                             "er één van beide, dan staat het teken erbij. De metingen zijn als onafhankelijke "
                             "steekproeven behandeld."),
        "breakdown.group": "Type inburgeraar",
        "breakdown.leerroute": "Leerroute",
        "breakdown.cohort": "Cohort",
        "subgroup": "Groep",
        "meting": "Meting",
        "n": "N",
        "breakdown": "Uitsplitsing",
        "row_kind": "Regel",
        "row_percent": "percentage",
        "difference": "verschil",
        "suppressed_segment": "niet gepubliceerd",
        "bar_not_drawn": "N < {min_count}: niet getoond",
        "small_group": "te weinig respondenten (N < {min_count})",
        "not_asked": "niet gevraagd",
        "note_suppressed": ("–: niet gepubliceerd. Een cel met minder dan {min_count} respondenten wordt "
                            "onderdrukt, en daarnaast zo weinig andere cellen als nodig zijn om haar niet uit de "
                            "totalen van rijen en kolommen terug te kunnen rekenen. In de figuur houdt een "
                            "onderdrukt antwoord zijn plaats, grijs gearceerd; de onderdrukte antwoorden van een "
                            "balk delen het niet gepubliceerde deel gelijk."),
        "note_small_group": ("Een groep met minder dan {min_count} geldige antwoorden wordt niet getoond: de "
                             "tabel geeft geen cijfers en de figuur geen balk."),
        "note_weighted": ("Gewogen: alle percentages en verschillen op deze pagina, in figuren en tabellen, "
                          "zijn gewogen (de steekproef gewogen naar de populatie)."),
        "note_unweighted": ("Ongewogen: alle percentages en verschillen op deze pagina, in figuren en "
                            "tabellen, zijn ongewogen (het warehouse heeft voor deze meting geen gewichten)."),
        "estimate_weighted": "Gewogen percentages",
        "estimate_unweighted": "Ongewogen percentages",
        "csv": "Deze tabel als CSV",
        "index_title": "Perspectief inburgeraars: gepubliceerde pagina's",
        "note_not_asked": "n.g.: de vraag is die meting niet aan deze groep gesteld.",
        "chart_caption": "Percentages van de basis van de vraag; één balk per groep.",
        "note_base": ("Basis: per vraag die van het rapport. Zonder noot zijn het percentages van de geldige "
                      "antwoorden ('weet ik niet' en 'wil ik niet zeggen' tellen niet mee); een noot onder de "
                      "tabel noemt de vragen waar 'weet ik niet' meetelt."),
        "base.valid_and_dont_know": ("Percentages van alle antwoorden, 'weet ik niet' inbegrepen, zoals het "
                                     "rapport ({reference})."),
        "base.answered": ("Percentages van alle antwoorden, 'weet ik niet' en 'wil ik niet zeggen' inbegrepen, "
                          "zoals het rapport ({reference})."),
        "note_markers": ("Bij een verschil: ≥{points} = {points} procentpunten of meer; * = significant "
                         "(95 %); vet = beide. Het 95 %-interval van elk verschil staat in de CSV en bij het "
                         "verschil als tooltip."),
        "interval": "95 %-interval",
        "interval_lower": "95 %-interval ondergrens",
        "interval_upper": "95 %-interval bovengrens",
        "verdict": "oordeel",
        "comparison_caption": "Per groep: de vorige meting boven, de huidige eronder.",
        "contents": "Inhoud",
        "capped": "Niet getoond (de pagina toont er hoogstens {cap}): {questions}.",
        "source": ("Bron: het warehouse (marts.mart_route_cohort, marts.mart_meting_comparison), na "
                   "onthullingscontrole (orchestration/privacy). Taal: {other}"),
        "other_language": "English",
        "all_pages": "Alle pagina's",
    },
    "en": {
        "meting_title": "Perspectives of civic integration newcomers: wave {meting}",
        "comparison_title": "Perspectives of civic integration newcomers: waves {previous} and {meting} compared",
        "meting_intro": ("Answer distributions of wave {meting} by type of newcomer, learning route and cohort: "
                         "per question percentages of the base the report uses: the valid answers, except where "
                         "a note under the table says 'don't know' (and 'prefer not to say') counts too; that "
                         "answer is then a column of the table and a part of the bar. "
                         "Questions: those the report shows in a figure "
                         "(codebook, column report_tables), {shown} of {selected}."),
        "comparison_intro": ("Wave {meting} against wave {previous} by type of newcomer, learning route and "
                             "cohort (marts.mart_meting_comparison), each question over the base the report uses "
                             "(the valid answers, unless a note under the table names 'don't know'). Bold: a "
                             "difference that is both {points} percentage points or more (the report's rule of "
                             "thumb) and significant (95 % interval excluding 0); where only one holds, its marker "
                             "is shown. The waves are treated as independent samples."),
        "breakdown.group": "Type of newcomer",
        "breakdown.leerroute": "Learning route",
        "breakdown.cohort": "Cohort",
        "subgroup": "Group",
        "meting": "Wave",
        "n": "N",
        "breakdown": "Breakdown",
        "row_kind": "Row",
        "row_percent": "percentage",
        "difference": "difference",
        "suppressed_segment": "not published",
        "bar_not_drawn": "N < {min_count}: not shown",
        "small_group": "too few respondents (N < {min_count})",
        "not_asked": "not asked",
        "note_suppressed": ("–: not published. A cell with fewer than {min_count} respondents is suppressed, "
                            "and as few other cells as it takes to keep it from being derived from the row and "
                            "column totals. In the figure a suppressed answer keeps its place, hatched grey; the "
                            "suppressed answers of a bar share the unpublished part evenly."),
        "note_small_group": ("A group with fewer than {min_count} valid answers is not shown: no numbers in the "
                             "table, no bar in the figure."),
        "note_weighted": ("Weighted: every percentage and difference on this page, in figures and tables, "
                          "is weighted (the sample weighted to the population)."),
        "note_unweighted": ("Unweighted: every percentage and difference on this page, in figures and "
                            "tables, is unweighted (the warehouse has no weights for this wave)."),
        "estimate_weighted": "Weighted percentages",
        "estimate_unweighted": "Unweighted percentages",
        "csv": "This table as CSV",
        "index_title": "Perspectives of civic integration newcomers: published pages",
        "note_not_asked": "n.a.: the question was not put to this group in that wave.",
        "chart_caption": "Percentages of the question's base; one bar per group.",
        "note_base": ("Base: per question the report's. Without a note the percentages are of the valid answers "
                      "('don't know' and 'prefer not to say' are left out); a note under the table names the "
                      "questions where 'don't know' counts."),
        "base.valid_and_dont_know": ("Percentages of all answers, 'don't know' included, as in the report "
                                     "({reference})."),
        "base.answered": ("Percentages of all answers, 'don't know' and 'prefer not to say' included, as in the "
                          "report ({reference})."),
        "note_markers": ("With a difference: ≥{points} = {points} percentage points or more; * = significant "
                         "(95 %); bold = both. The 95 % interval of each difference is in the CSV and, as a "
                         "tooltip, at the difference."),
        "interval": "95 % interval",
        "interval_lower": "95 % interval lower bound",
        "interval_upper": "95 % interval upper bound",
        "verdict": "verdict",
        "comparison_caption": "Per group: the previous wave above, the current one below.",
        "contents": "Contents",
        "capped": "Not shown (the page shows at most {cap}): {questions}.",
        "source": ("Source: the warehouse (marts.mart_route_cohort, marts.mart_meting_comparison), after "
                   "disclosure control (orchestration/privacy). Language: {other}"),
        "other_language": "Nederlands",
        "all_pages": "All pages",
    },
}

NOT_ASKED_MARK = {"nl": "n.g.", "en": "n.a."}
SUPPRESSED_MARK = "–"

# Subgroup names: fct_respondent stores codes; the report writes these.
VALUE_LABELS = {
    ("group", "Wi2021-asiel"): ("Wi2021-asiel", "Wi2021 asylum"),
    ("group", "Wi2021-gezin"): ("Wi2021-gezin", "Wi2021 family"),
    ("group", "Wi2013-asiel"): ("Wi2013-asiel", "Wi2013 asylum"),
    ("group", "Wi2013-gezin"): ("Wi2013-gezin", "Wi2013 family"),
    ("group", "Wi2013-onbekend"): ("Wi2013-onbekend", "Wi2013 unknown permit"),
    ("leerroute", "B1"): ("B1-route", "B1 route"),
    ("leerroute", "O"): ("Onderwijsroute", "Education route"),
    ("leerroute", "Z"): ("Z-route", "Z route"),
    ("leerroute", "onbekend"): ("Leerroute onbekend", "Learning route unknown"),
    ("cohort", "1"): ("Cohort 1 (PIP vóór 2024)", "Cohort 1 (PIP before 2024)"),
    ("cohort", "2"): ("Cohort 2 (PIP vanaf 2024)", "Cohort 2 (PIP from 2024)"),
    ("cohort", "onbekend"): ("Cohort onbekend", "Cohort unknown"),
}


REFERENCE_KINDS = {"T": ("Tabel", "Table"), "F": ("Figuur", "Figure")}


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


def text(language: str, key: str, **values) -> str:
    return TEXT[check_language(language)][key].format(**values)


def value_label(breakdown: str, value: str, language: str) -> str:
    """A subgroup's printed name; an unknown value (a new group) is shown as stored."""
    names = VALUE_LABELS.get((breakdown, str(value)))
    return str(value) if names is None else names[LANGUAGES.index(check_language(language))]


def codebook_text(row, field: str, language: str) -> str:
    """`field`_en from a codebook row, falling back to the Dutch text where English is empty."""
    english = getattr(row, f"{field}_en", None) if language == "en" else None
    return english if isinstance(english, str) and english.strip() else getattr(row, f"{field}_nl")


def question_title(row, language: str) -> str:
    """The question as the page heads it: the text, plus the item for a battery item ('Tempo')."""
    title = codebook_text(row, "question_text", language)
    item = codebook_text(row, "item_label", language) if isinstance(row.item_label_nl, str) else None
    # some battery texts already end in the item ("...? Tempo"): do not repeat it
    return f"{title} — {item}" if item and item not in title else title


def reference(report_tables: str, language: str) -> str:
    """The first table or figure the codebook links the question to: 'T4.6' -> 'Tabel 4.6'."""
    first = report_tables.split(";")[0]
    kind = REFERENCE_KINDS[first[0]][LANGUAGES.index(check_language(language))]
    return f"{kind} {first[1:]}"


def value_order(breakdown: str, value: str) -> tuple:
    """The report's order of subgroups (Wi2021 before Wi2013; routes B1, O, Z); unknown values last."""
    keys = [v for (b, v) in VALUE_LABELS if b == breakdown]
    return (keys.index(str(value)), "") if str(value) in keys else (len(keys), str(value))


def _fixed(value: float, decimals: int) -> float:
    """`value` rounded as printed: a half away from zero (12.5 -> 13, as SPSS and the report
    print), never a negative zero (-0.04 -> 0.0). Taken to 9 decimals first, so a weighted sum
    that lands a hair beside an exact half (12.499999999999998) prints as the half it is."""
    settled = Decimal(repr(round(float(value), 9)))
    rounded = float(settled.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    return 0.0 if rounded == 0 else rounded


def percent(value, language: str) -> str:  # noqa: ARG001 (same signature as points)
    """A percentage as the report prints it: a whole number."""
    return f"{_fixed(value, 0):.0f}"


def points(value, language: str) -> str:
    """A difference in points with one decimal (decimal comma in Dutch); a sign unless it rounds
    to zero, which has none."""
    rounded = _fixed(value, 1)
    formatted = f"{rounded:+.1f}" if rounded else f"{rounded:.1f}"
    return formatted.replace(".", ",") if language == "nl" else formatted


MARKERS = ("≥{points}", "*")  # meaningful (the 8-point rule), significant at 95 %


def markers(meaningful: bool, significant: bool, points: float) -> str:
    """The verdict marks of a difference: '≥8' for the 8-point rule, '*' for significance."""
    marks = [MARKERS[0].format(points=f"{points:g}")] if meaningful else []
    return " ".join(marks + ([MARKERS[1]] if significant else []))


def interval(lower, upper, language: str) -> str:
    """A 95 % interval in points as printed: [-12,3; -3,7] / [-12.3, -3.7]."""
    separator = "; " if language == "nl" else ", "
    return f"[{points(lower, language)}{separator}{points(upper, language)}]"


def count(value: int, language: str) -> str:
    """A number of respondents with the language's thousands separator: 2.651 / 2,651."""
    return f"{int(value):,}".replace(",", "." if language == "nl" else ",")
