"""Words of the report in Dutch and English.

Question texts and answer labels come from the codebook (dim_question.question_text_nl/_en,
item_label_nl/_en; dim_answer_option.label_nl/_en), so they are not repeated here. This module
holds only what the codebook does not say: the report's fixed strings and the names of the
subgroups (breakdown values), which live in fct_respondent as codes ('B1', '1').
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")

# The three splits of the report's figures, in the order the report shows them.
BREAKDOWNS = ("group", "leerroute", "cohort")

TEXT = {
    "nl": {
        "meting_title": "Perspectief inburgeraars: meting {meting}",
        "comparison_title": "Perspectief inburgeraars: meting {previous} en {meting} vergeleken",
        "meting_intro": ("Antwoordverdelingen van meting {meting} per type inburgeraar, leerroute en cohort: "
                         "percentages van de geldige antwoorden ('weet ik niet' en 'wil ik niet zeggen' tellen "
                         "niet mee), zoals het rapport ze berekent. Vragen: de vragen die het rapport in een "
                         "figuur toont (codeboek, kolom report_tables), {shown} van {selected}."),
        "comparison_intro": ("Meting {meting} tegen meting {previous} per type inburgeraar "
                             "(marts.mart_meting_comparison). Vet: een verschil van {points} procentpunten of "
                             "meer, de vuistregel van het rapport. De metingen zijn als onafhankelijke "
                             "steekproeven behandeld."),
        "breakdown.group": "Type inburgeraar",
        "breakdown.leerroute": "Leerroute",
        "breakdown.cohort": "Cohort",
        "subgroup": "Groep",
        "meting": "Meting",
        "n": "N",
        "pct": "%",
        "pct_weighted": "gew. %",
        "difference": "verschil",
        "suppressed_segment": "niet gepubliceerd",
        "bar_not_drawn": "N < {min_count}: niet getoond",
        "small_group": "te weinig respondenten (N < {min_count})",
        "not_asked": "niet gevraagd",
        "note_suppressed": ("–: niet gepubliceerd. Een cel met minder dan {min_count} respondenten wordt "
                            "onderdrukt, en daarnaast zo nodig de kleinste andere cel van de rij of kolom, zodat "
                            "de onderdrukte cel niet uit het totaal terug te rekenen is. In de figuur is het "
                            "samen onderdrukte deel grijs gearceerd."),
        "note_small_group": ("Een groep met minder dan {min_count} geldige antwoorden wordt niet getoond: de "
                             "tabel geeft geen cijfers en de figuur geen balk."),
        "note_weighted": ("gew. %: gewogen percentage (de steekproef gewogen naar de populatie); "
                          "% is ongewogen. De figuren tonen de ongewogen percentages."),
        "note_not_asked": "n.g.: de vraag is die meting niet aan deze groep gesteld.",
        "chart_caption": "Percentages van de geldige antwoorden; één balk per groep.",
        "comparison_caption": "Per type inburgeraar: de vorige meting boven, de huidige eronder.",
        "contents": "Inhoud",
        "capped": "Niet getoond (de pagina toont er hoogstens {cap}): {questions}.",
        "source": ("Bron: het warehouse (marts.mart_route_cohort, marts.mart_meting_comparison), na "
                   "onthullingscontrole (orchestration/privacy). Taal: {other}"),
        "other_language": "English",
    },
    "en": {
        "meting_title": "Perspectives of civic integration newcomers: wave {meting}",
        "comparison_title": "Perspectives of civic integration newcomers: waves {previous} and {meting} compared",
        "meting_intro": ("Answer distributions of wave {meting} by type of newcomer, learning route and cohort: "
                         "percentages of the valid answers ('don't know' and 'prefer not to say' are left out), "
                         "as the report computes them. Questions: those the report shows in a figure "
                         "(codebook, column report_tables), {shown} of {selected}."),
        "comparison_intro": ("Wave {meting} against wave {previous} by type of newcomer "
                             "(marts.mart_meting_comparison). Bold: a difference of {points} percentage points "
                             "or more, the report's rule of thumb. The waves are treated as independent "
                             "samples."),
        "breakdown.group": "Type of newcomer",
        "breakdown.leerroute": "Learning route",
        "breakdown.cohort": "Cohort",
        "subgroup": "Group",
        "meting": "Wave",
        "n": "N",
        "pct": "%",
        "pct_weighted": "wtd %",
        "difference": "difference",
        "suppressed_segment": "not published",
        "bar_not_drawn": "N < {min_count}: not shown",
        "small_group": "too few respondents (N < {min_count})",
        "not_asked": "not asked",
        "note_suppressed": ("–: not published. A cell with fewer than {min_count} respondents is suppressed, "
                            "and where needed also the smallest other cell of its row or column, so that the "
                            "suppressed cell cannot be derived from the total. In the figure the suppressed "
                            "part is hatched grey."),
        "note_small_group": ("A group with fewer than {min_count} valid answers is not shown: no numbers in the "
                             "table, no bar in the figure."),
        "note_weighted": ("wtd %: weighted percentage (the sample weighted to the population); % is "
                          "unweighted. The figures show the unweighted percentages."),
        "note_not_asked": "n.a.: the question was not put to this group in that wave.",
        "chart_caption": "Percentages of the valid answers; one bar per group.",
        "comparison_caption": "Per type of newcomer: the previous wave above, the current one below.",
        "contents": "Contents",
        "capped": "Not shown (the page shows at most {cap}): {questions}.",
        "source": ("Source: the warehouse (marts.mart_route_cohort, marts.mart_meting_comparison), after "
                   "disclosure control (orchestration/privacy). Language: {other}"),
        "other_language": "Nederlands",
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
    ("cohort", "1"): ("Cohort 1 (PIP vóór 2024)", "Cohort 1 (PIP before 2024)"),
    ("cohort", "2"): ("Cohort 2 (PIP vanaf 2024)", "Cohort 2 (PIP from 2024)"),
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


def percent(value, language: str) -> str:  # noqa: ARG001 (same signature as points)
    """A percentage as the report prints it: a whole number."""
    return f"{value:.0f}"


def points(value, language: str) -> str:
    """A difference in points with a sign and one decimal (decimal comma in Dutch)."""
    formatted = f"{value:+.1f}"
    return formatted.replace(".", ",") if language == "nl" else formatted
