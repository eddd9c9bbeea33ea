"""Answers to one question for every respondent of a meting, as harmonised codes.

NaN = not asked (outside the universe, or not in this questionnaire): system-missing in the
export. -1 = asked but skipped. Otherwise a code of the question's answer set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.synthetic.allocation import CELL_COLUMNS, CellCodes, allocate, fit_joint
from orchestration.synthetic.context import Context, KeptCells
from orchestration.synthetic.margins import QuestionTargets, apply_2023, question_targets
from orchestration.synthetic.universe import asked, asked_in_scope, rule_scope

SKIPPED = -1


def targets_for(ctx: Context, question_id: str, meting: int) -> QuestionTargets:
    key = ("targets", question_id, meting)
    if key not in ctx.cache:
        ctx.cache[key] = _targets(ctx, question_id, meting)
    return ctx.cache[key]


def _targets(ctx: Context, question_id: str, meting: int) -> QuestionTargets:
    question = ctx.questions.loc[question_id]
    answers = ctx.answers(question_id)
    # the printed margins, read once for every meting (apply_2023 leaves them as they are)
    key = ("printed_targets", question_id)
    if key not in ctx.cache:
        prose = ctx.params.get("prose_margins", {}).get(question_id)
        ctx.cache[key] = question_targets(question, answers, ctx.tables, prose)
    targets = ctx.cache[key]
    if meting == 2023:
        targets = apply_2023(targets, question, answers, ctx.facts_2023)
    return targets


def asked_mask(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int) -> np.ndarray:
    rule = ctx.questions.loc[question_id, "universe_rule"]
    memo = ctx.cell_memo(frame)
    return _available(frame, memo, ctx.asked_in(question_id, meting)) & _universe(ctx, frame, memo, rule)


def _available(frame: pd.DataFrame, memo: dict, questionnaires: set[str]) -> np.ndarray:
    """Who answered one of `questionnaires`: kept with the cells (the questionnaire is one of
    their sources), as most questions are in the same few sets of questionnaires."""
    key = ("available", frozenset(questionnaires))
    if key not in memo:
        memo[key] = frame["questionnaire"].isin(questionnaires).to_numpy()
    return memo[key]


def _universe(ctx: Context, frame: pd.DataFrame, memo: dict, rule: str) -> np.ndarray:
    """`asked` for a universe rule, kept (in the cells' `memo`) per state of the routing
    answers it reads: the questions of a meting share a few dozen rules, and once the routing
    questions are answered the flags stay as they are."""
    flags = ctx.params["routing_flags"]
    state = None if not rule.strip() else _routing_state(frame, flags)
    if state is None:  # no rule (everyone is asked), or flags that are not plain numbers
        return asked(frame, ctx.cells(frame), rule, flags)
    key = ("asked", rule, state)
    if key not in memo:
        # the rules share what they read: built once per state of the routing answers
        if ("scope", state) not in memo:
            memo["scope", state] = rule_scope(frame, ctx.cells(frame), flags)
        memo[key] = asked_in_scope(memo["scope", state], rule)
    return memo[key]


def _routing_state(frame: pd.DataFrame, flags: dict[str, list[dict]]) -> tuple | None:
    """The answers the routing flags are made of, as bytes (equal bytes, equal flags); None
    when one is not a plain numeric column."""
    state = []
    for question in sorted({rule["question"] for rules in flags.values() for rule in rules}):
        if question in frame:
            values = frame[question].to_numpy()
            if values.dtype.kind not in "biuf":
                return None
            state.append((question, values.dtype.str, values.tobytes()))
    return tuple(state)


def position_fraction(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int,
                      memo: dict | None = None) -> np.ndarray:
    """How far into the respondent's questionnaire the question comes (0 first, 1 last).
    `memo`: the cells' memo of `frame` (Context.cell_memo), when the caller has it at hand."""
    codes, questionnaires = _questionnaires(frame, ctx.cell_memo(frame) if memo is None else memo, sort=False)
    fractions = np.array([_positions(ctx, meting, questionnaire).get(question_id, 0.5)
                          for questionnaire in questionnaires], dtype=float)
    return fractions[codes]


def _questionnaires(frame: pd.DataFrame, memo: dict, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """pd.factorize of the respondents' questionnaires, kept in the cells' memo (the
    questionnaire is one of their sources)."""
    if ("questionnaires", sort) not in memo:
        memo["questionnaires", sort] = pd.factorize(frame["questionnaire"], sort=sort)
    return memo["questionnaires", sort]


def _positions(ctx: Context, meting: int, questionnaire: str) -> dict[str, float]:
    """Each question's first position in the export over its last position: read from the layout
    once per export, not once per question."""
    key = ("positions", meting, questionnaire)
    if key not in ctx.cache:
        layout = ctx.codebook.layout(meting, questionnaire)
        last = layout["position"].max()
        first = layout.drop_duplicates("question_id")  # the layout is in position order
        ctx.cache[key] = {question: position / last for question, position in zip(first["question_id"], first["position"])}
    return ctx.cache[key]


def _pooled_correction(ctx: Context, question_id: str, targets: QuestionTargets) -> float | None:
    """When a table's column Ns do not add up to its title N (Tabel 2.6 prints 258 for what is
    2,588), per-group Ns are unreliable: use the title N over all groups instead."""
    for key in ctx.questions.loc[question_id, "report_tables"].split(";"):
        table = ctx.tables.get(key)
        if table and table.rows and table.n_total and table.breakdown == "type_inburgeraar":
            column_sum = sum(c.n or 0 for c in table.columns)
            if column_sum != table.n_total:
                return float(table.n_total)
    return None


def answer_rates(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int, asked_now: np.ndarray) -> np.ndarray:
    """Per respondent, the chance that an asked respondent gives a valid answer: the printed
    valid N over the number asked (meting 2024, reused for 2023), else a position-based default."""
    targets = targets_for(ctx, question_id, meting)
    # the questionnaires coded once, in sorted order: a comparison per group is then of integers
    memo = ctx.cell_memo(frame)
    codes, names = _questionnaires(frame, memo, sort=True)
    nonresponse = ctx.params["item_nonresponse"]
    default = 1 - (nonresponse["first"] + (nonresponse["last"] - nonresponse["first"])
                   * position_fraction(ctx, frame, question_id, meting, memo))
    rates = default.copy()
    pooled = _pooled_correction(ctx, question_id, targets)
    asked_total = asked_now.sum()
    for code, group in enumerate(names):
        key = (question_id, str(group))
        in_group = codes == code
        # the printed Ns are 2024's; 2023 reuses the rates, a later meting follows 2024's design
        if key not in ctx.answer_rates and meting != 2023 and group in targets.group_n:
            asked_group = (asked_now & in_group).sum()
            if pooled is not None and asked_total:
                ctx.answer_rates[key] = min(1.0, pooled * ctx.scale / asked_total)
            elif asked_group:
                ctx.answer_rates[key] = min(1.0, targets.group_n[group] * ctx.scale / asked_group)
        if key in ctx.answer_rates:
            rates[in_group] = ctx.answer_rates[key]
    return rates


def valid_codes(ctx: Context, question_id: str, meting: int) -> list[int]:
    """_valid_codes of the question in the meting, worked out once."""
    key = ("valid_codes", question_id, meting)
    if key not in ctx.cache:
        ctx.cache[key] = tuple(_valid_codes(ctx.answers(question_id), targets_for(ctx, question_id, meting)))
    return list(ctx.cache[key])


def _dont_know_code(ctx: Context, question_id: str, meting: int) -> int | None:
    """The "weet niet" code a skipping respondent may give instead, unless a margin names it."""
    key = ("dont_know", question_id, meting)
    if key not in ctx.cache:
        answers = ctx.answers(question_id)
        named = targets_for(ctx, question_id, meting).named_codes
        ctx.cache[key] = next((int(code) for code, missing in zip(answers["code"], answers["missing_type"])
                               if missing == "dont_know" and code not in named), None)
    return ctx.cache[key]


def _valid_codes(answers: pd.DataFrame, targets: QuestionTargets) -> list[int]:
    rows = list(zip(answers["code"], answers["missing_type"]))
    substantive = [code for code, missing in rows if missing == ""]
    named_missing = [code for code, missing in rows if missing != "" and code in targets.named_codes]
    return [int(c) for c in substantive + named_missing if c != SKIPPED]


def respond(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int, draws: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Who answers validly, and the codes of those who do not: (valid mask, codes array).
    `draws` lets the options of one multi-response question share a single skip decision."""
    asked_now = asked_mask(ctx, frame, question_id, meting)
    rates = answer_rates(ctx, frame, question_id, meting, asked_now)
    rng = ctx.rng("respond", meting, question_id)
    draws = rng.random(len(frame)) if draws is None else draws
    valid = asked_now & (draws < rates)
    codes = np.full(len(frame), np.nan)
    codes[asked_now & ~valid] = SKIPPED
    dont_know = _dont_know_code(ctx, question_id, meting)
    if dont_know is not None:
        share = ctx.params["item_nonresponse"]["dont_know_share"]
        turned = asked_now & ~valid & (rng.random(len(frame)) < min(0.5, share / max(1e-9, 1 - rates.mean())))
        codes[turned] = dont_know
    return valid, codes


def prior(ctx: Context, question_id: str, codes: list[int]) -> np.ndarray | None:
    """Shape of the answers where nothing is published. Five-point scales (answer sets named
    *_5) get a unimodal binomial shape over the scale, centred on its middle: a printed
    "80 % (heel) goed" then splits 64/16 rather than 40/40, as ordinal answers tend to."""
    if not ctx.questions.loc[question_id, "answer_set_id"].endswith("_5"):
        return None
    weights = {code: w for code, w in zip(range(1, 6), (1, 4, 6, 4, 1))}
    return np.array([weights.get(code, 1.0) for code in codes], dtype=float)


def allocate_answers(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int, rows: np.ndarray,
                     stream: tuple = ()) -> np.ndarray:
    """Valid answers for the respondents in `rows` (a mask or index), fitted to the margins."""
    targets = targets_for(ctx, question_id, meting)
    answer_codes = valid_codes(ctx, question_id, meting)
    index = np.flatnonzero(rows) if rows.dtype == bool else rows
    kept = ctx.kept_cells(frame)
    cells = kept.cells.iloc[index]
    fit = fit_joint(cells, answer_codes, targets.margins, prior(ctx, question_id, answer_codes),
                    coded=_cell_codes(kept).subset(index))
    return allocate(cells, fit, ctx.rng("allocate", meting, question_id, *stream))


def cell_codes(ctx: Context, frame: pd.DataFrame) -> CellCodes:
    """The cells of every respondent coded once: each question fits a subset of them."""
    return _cell_codes(ctx.kept_cells(frame))


def _cell_codes(kept: KeptCells) -> CellCodes:
    if "codes" not in kept.memo:
        kept.memo["codes"] = CellCodes.of(kept.cells, [c for c in CELL_COLUMNS if c in kept.cells])
    return kept.memo["codes"]


def answer_question(ctx: Context, frame: pd.DataFrame, question_id: str, meting: int,
                    draws: np.ndarray | None = None) -> np.ndarray:
    valid, codes = respond(ctx, frame, question_id, meting, draws)
    if valid.any():
        codes[valid] = allocate_answers(ctx, frame, question_id, meting, valid)
    return codes
