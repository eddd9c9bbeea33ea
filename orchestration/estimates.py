"""Shares of answers per meting, question and subgroup, unweighted and weighted, each with its
standard error: the estimates every meting-on-meting comparison reads (mart_meting_comparison).

- **Base.** A share is over the answers the question's `percentage_base` counts (seeds
  questions.csv): `valid` answers, `valid_and_dont_know` ("weet ik niet" in the base, as the
  report's Tabellen 2.2, 4.5, 5.1, 7.3 and 7.5 print it) or `answered` (refusals too, Tabel 7.6).
  Every answer in the base is a category of its own, "weet ik niet" included where counted.
- **Combined categories** (seeds answer_set_groups.csv: "(helemaal) eens" = codes 4 + 5, ...) are
  estimated beside the single ones. The groups of one answer set are disjoint, so one recoding
  estimates them all.
- **Weighted**: the raking weights (fct_respondent.weight) with a design-based standard error by
  Taylor linearisation, in closed form (`weighted_shares`; tests hold it to svy's
  Sample.estimation.prop). Design: strata = meting x group (the weights are raked within them),
  respondents as the units, no finite-population correction; subgroups are
  domains, so their size counts as random. The raking itself is not part of the variance (weights
  taken as fixed), which leaves the standard error a little conservative for the raked margins.
  NULL where a respondent in the base of that meting has no weight.
- **Unweighted**: the sample share with the simple-random-sampling standard error sqrt(p(1-p)/n).
- **Cells**: every estimate is a sum over respondents (counts, weights, squared weights), so
  DuckDB first joins the answers to their respondents and sums them into cells of respondents
  alike in question, meting, subgroups and code (`answer_cells`); each breakdown then reads the
  cells, which are far fewer than the answers, and the answers never come into Python.
- **Subgroups** are the dimensions as separate columns (NULL where not part of the breakdown).
  An unknown value is a subgroup 'onbekend' (var unknown_subgroup of dbt_project.yml, as
  mart_route_cohort reads it), never dropped; leerroute and cohort apply where the
  law has them (seeds laws.has_leerroute and cohorts, as mart_route_cohort reads them: the
  Wi2021), so Wi2013 respondents are outside those breakdowns.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from orchestration.dbt_vars import dbt_var

UNKNOWN = dbt_var("unknown_subgroup")
DIMENSIONS = ("group_label", "leerroute", "cohort", "gender")
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "total": (),
    "group": ("group_label",),
    "leerroute": ("leerroute",),
    "cohort": ("cohort",),
    "gender": ("gender",),
    "group_x_leerroute": ("group_label", "leerroute"),
    "group_x_cohort": ("group_label", "cohort"),
}
TOTAL_LABEL = "Totaal"
# answer_status of the answers each percentage_base counts (as mart_route_cohort counts them)
BASE_STATUSES = {base: tuple(statuses) for base, statuses in dbt_var("percentage_base_statuses").items()}
OUTPUT_COLUMNS = [
    "meting", "question_id", "percentage_base", "breakdown", "breakdown_value", *DIMENSIONS,
    "category_kind", "category_id", "harmonised_code", "harmonised_codes", "answer_status", "label_nl",
    "label_en", "sort_order", "base_n", "respondents", "pct", "se_points", "weighted_base", "pct_weighted",
    "se_weighted_points",
]


def weighted_shares(category: np.ndarray, weight: np.ndarray, stratum: np.ndarray,
                    domain: np.ndarray) -> pd.DataFrame:
    """Weighted share of every category per domain with its linearised standard error
    (proportions 0-1): columns domain, category, share, se; one row per category found in a domain.

    The share is the ratio p = sum(w y) / sum(w) over the domain. Its Taylor (linearised) variance,
    strata with replacement and no finite-population correction, is
        var = sum_h n_h / (n_h - 1) * sum_{i in h} (z_i - mean_h z)^2,  z_i = d_i w_i (y_i - p) / W_d,
    with d_i = 1 inside the domain, 0 outside, and n_h every respondent of stratum h (a domain's size
    counts as random). Expanded into sums per domain x stratum (x category), so that every domain and
    category is estimated in one pass instead of one estimator call each; tests check it against svy."""
    w = np.asarray(weight, dtype=float)
    return _summed_shares(category, np.ones(len(w)), w, w * w, stratum, domain)


def _summed_shares(category: np.ndarray, n: np.ndarray, weight_sum: np.ndarray, square_sum: np.ndarray,
                   stratum: np.ndarray, domain: np.ndarray) -> pd.DataFrame:
    """`weighted_shares` of respondents summed into cells that lie in one category, stratum and
    domain each: n respondents, the sum of their weights and of their squared weights a cell.
    Every sum the estimator takes is a sum over respondents, so over cells it is the same."""
    strata, h = _factorized(stratum)
    n_h = np.bincount(h, n)
    if (n_h < 2).any():
        raise ValueError(f"strata {sorted(strata[n_h < 2].tolist())[:5]} hold one respondent: a variance "
                         "needs two; collapse them first (_collapse_singleton_strata)")
    domains, d = _factorized(domain)
    cats, c = _factorized(category)
    f = n_h / (n_h - 1)
    # cells: domain x stratum
    cell_keys, cell = _factorized(d.astype(np.int64) * len(strata) + h)
    cell_d, cell_h = np.divmod(cell_keys, len(strata))
    W_hd, Q_hd = np.bincount(cell, weight_sum), np.bincount(cell, square_sum)
    f_ww = f[cell_h] * W_hd ** 2 / n_h[cell_h]
    W_d = np.bincount(cell_d, W_hd, minlength=len(domains))
    all_q = np.bincount(cell_d, f[cell_h] * Q_hd, minlength=len(domains))
    all_ww = np.bincount(cell_d, f_ww, minlength=len(domains))
    # found: domain x stratum x category, where the category occurs
    found_keys, found = _factorized(cell.astype(np.int64) * len(cats) + c)
    found_cell, found_c = np.divmod(found_keys, len(cats))
    S, Q = np.bincount(found, weight_sum), np.bincount(found, square_sum)
    # lines: domain x category
    line_keys, line = _factorized(cell_d[found_cell] * len(cats) + found_c)
    line_d, line_c = np.divmod(line_keys, len(cats))
    share = np.bincount(line, S) / W_d[line_d]
    p = share[line]
    fh, nh = f[cell_h[found_cell]], n_h[cell_h[found_cell]]
    # strata of the domain where the category occurs, minus their share of the all-strata sums
    t1 = np.bincount(line, fh * ((1 - p) ** 2 * Q - p ** 2 * Q))
    t2 = np.bincount(line, fh * (S - p * W_hd[found_cell]) ** 2 / nh - p ** 2 * f_ww[found_cell])
    # sum over every stratum of the domain of f (w^2 (y - p)^2) and of f (sum w (y - p))^2 / n_h
    within = t1 + share ** 2 * all_q[line_d]
    between = t2 + share ** 2 * all_ww[line_d]
    variance = np.clip(within - between, 0.0, None) / W_d[line_d] ** 2
    return pd.DataFrame({"domain": domains[line_d], "category": cats[line_c], "share": share,
                         "se": np.sqrt(variance)})


def _factorized(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, each value's position among them), by a lookup table for integers
    in a narrow range and by hashing otherwise, so only the distinct values are sorted. Sums by
    np.bincount over these positions run in row order, the same order for a domain's cells as for
    its categories' cells: a category everybody chose sums to its domain's total exactly, and its
    standard error is exactly 0."""
    values = np.asarray(values)
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * len(values) + 1024:
            # keys in a narrow range (packed codes, mostly): a lookup table beats hashing
            shifted = values - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            position = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(values.dtype) + low, position[shifted]
    positions, distinct = pd.factorize(values, sort=True)
    return np.asarray(distinct), positions


def categories(questions: pd.DataFrame, answer_sets: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Every category a question's percentages are over: its answers in the base (single) and the
    answer set's combined categories. One row per question x category x member code."""
    answer_sets = answer_sets.assign(answer_status=answer_sets["missing_type"].fillna("").replace("", "valid"))
    single = questions.merge(answer_sets, on="answer_set_id")
    single = single[[status in BASE_STATUSES[base] for status, base in
                     zip(single["answer_status"], single["percentage_base"])]]
    single = single.assign(category_kind="single", category_id=single["code"].astype(int).astype(str))
    combined = questions.merge(groups, on="answer_set_id").assign(category_kind="combined", answer_status="valid")
    combined = combined.rename(columns={"combined_id": "category_id"})
    columns = ["question_id", "category_kind", "category_id", "code", "answer_status", "label_nl", "label_en",
               "sort_order"]
    return pd.concat([single[columns], combined[columns]], ignore_index=True)


def _estimate_kind(cells: dict[str, np.ndarray], category: np.ndarray, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """Counts, shares and standard errors of one recoding (single codes or combined ids) over
    one breakdown, for every question and meting at once: strata are question x meting x group, so
    each question's estimates are those of its own design. `cells` are the answers summed
    (`answer_cells`, coded by `_Codes.of`), -1 where a dimension does not apply; `category` is
    each cell's category."""
    keys = ["question", "meting", *dimensions]
    scope = (np.stack([cells[d] for d in dimensions]) >= 0).all(axis=0) if dimensions \
        else np.ones(len(category), dtype=bool)
    if not scope.any():
        return pd.DataFrame()
    part = {column: cells[column][scope] for column in [*keys, "stratum", "n", "weight_sum", "square_sum", "weighted"]}
    # a domain is a line of the breakdown: question x meting x subgroup
    domain_keys, domain = _factorized(_packed([part[key] for key in keys]))
    cats, c = _factorized(category[scope])
    pair_keys, pair = _factorized(domain.astype(np.int64) * len(cats) + c)
    pair_domain, pair_c = np.divmod(pair_keys, len(cats))
    row_of = np.empty(len(domain_keys), dtype=np.int64)
    row_of[domain] = np.arange(len(domain))  # any cell of a domain: its keys are the same in all
    n = part["n"]
    result = pd.DataFrame({key: part[key][row_of[pair_domain]] for key in keys})
    result["category"] = cats[pair_c]
    result["respondents"] = np.bincount(pair, n).astype(np.int64)
    result["base_n"] = np.bincount(domain, n).astype(np.int64)[pair_domain]
    result["share"] = result["se"] = result["weighted_base"] = np.nan
    weighted = part["weighted"]
    stratum, kept = _collapse_singleton_strata(part["question"][weighted], part["meting"][weighted],
                                               part["stratum"][weighted], n[weighted])
    if len(stratum):
        d = domain[weighted][kept]
        w, ww, counted = (part[column][weighted][kept] for column in ("weight_sum", "square_sum", "n"))
        shares = _summed_shares(c[weighted][kept], counted, w, ww,
                                _packed([part["question"][weighted][kept], stratum]), d)
        at = np.searchsorted(pair_keys, shares["domain"].to_numpy() * len(cats) + shares["category"].to_numpy())
        result.loc[at, "share"] = shares["share"].to_numpy()
        result.loc[at, "se"] = shares["se"].to_numpy()
        has = np.bincount(d, minlength=len(domain_keys)) > 0
        totals = np.where(has, np.bincount(d, w, minlength=len(domain_keys)), np.nan)
        result["weighted_base"] = totals[pair_domain]
    return result


def _packed(columns: list[np.ndarray]) -> np.ndarray:
    """Integer columns packed into one int64 key per row (each column offset to start at 0):
    grouping by one integer is many times faster than by several columns."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        low, high = (int(column.min()), int(column.max())) if len(column) else (0, 0)
        span = high - low + 1
        if len(key) and int(key.max()) >= (1 << 62) // span:
            key = _factorized(key)[1].astype(np.int64)  # renumber densely rather than overflow
        key = key * span + (column.astype(np.int64) - low)
    return key


def _collapse_singleton_strata(question: np.ndarray, meting: np.ndarray, stratum: np.ndarray,
                               n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stratum with one respondent in the base has no variance of its own (its variance divides
    by n - 1): it is collapsed into the largest stratum of its meting, the usual remedy for
    singleton strata (ties to the stratum whose name sorts last). A meting with one respondent in
    the base cannot be estimated at all: its rows are left out, so their weighted share and
    standard error stay NULL rather than look certain. Per question: each question's base is a
    design of its own. A row stands for `n` respondents (a cell). Returns the strata of the rows
    kept, and which rows are kept."""
    if not len(stratum):
        return stratum, np.ones(0, dtype=bool)
    _, cell = _factorized(_packed([question, stratum]))
    size = np.bincount(cell, n)[cell]
    if (size > 1).all():
        return stratum, np.ones(len(stratum), dtype=bool)
    sized = pd.DataFrame({"question": question, "meting": meting, "stratum": stratum, "n": n})
    per_stratum = sized.groupby(["question", "meting", "stratum"])["n"].sum().reset_index()
    largest = per_stratum.sort_values(["n", "stratum"]).groupby(["question", "meting"]).tail(1)
    largest = largest.set_index(["question", "meting"])["stratum"]
    into = largest.reindex(pd.MultiIndex.from_frame(sized[["question", "meting"]])).to_numpy()
    stratum = np.where(size > 1, stratum, into)
    _, cell = _factorized(_packed([question, stratum]))
    kept = np.bincount(cell, n)[cell] > 1
    return stratum[kept], kept


# Each answer's subgroups as the breakdowns read them: 'onbekend' where a dimension applies but
# is unknown, NULL where it does not apply (l: the respondent's law, `_dimension_laws`).
SUBGROUP_SQL = {
    "group_label": f"coalesce(r.group_label, '{UNKNOWN}')",
    "leerroute": f"case when l.has_leerroute then coalesce(r.leerroute, '{UNKNOWN}') end",
    "cohort": f"case when l.has_cohort then coalesce(cast(cast(r.cohort as bigint) as varchar), '{UNKNOWN}') end",
    "gender": f"coalesce(r.gender, '{UNKNOWN}')",
}
# answers alike in all of these are one cell: (column, expression)
CELL_SQL = [("question_id", "a.question_id"), ("meting", "r.meting"), *SUBGROUP_SQL.items(),
            ("harmonised_code", "a.harmonised_code")]


def estimates(answers: pd.DataFrame | duckdb.DuckDBPyRelation, respondents: pd.DataFrame | duckdb.DuckDBPyRelation,
              questions: pd.DataFrame, answer_sets: pd.DataFrame, groups: pd.DataFrame, laws: pd.DataFrame,
              cohorts: pd.DataFrame, con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """One row per meting x question x breakdown line x category (zero rows included for every
    category of a line that has a base). Inputs: fct_answer (respondent_key, question_id,
    harmonised_code, answer_status) and fct_respondent (respondent_key, meting, wet, group_label,
    leerroute, cohort, gender, weight), as frames or as DuckDB relations of `con` (the dbt
    model's: DuckDB joins and sums the answers, which never come into Python); seeds questions
    (question_id, answer_set_id, percentage_base), answer_sets, answer_set_groups, laws (wet,
    has_leerroute) and cohorts (wet) as frames."""
    unknown_base = sorted(set(questions["percentage_base"]) - set(BASE_STATUSES))
    if unknown_base:
        raise ValueError(f"seeds questions.percentage_base: unknown value(s) {unknown_base}; "
                         f"expected one of {sorted(BASE_STATUSES)}")
    question_ids = _distinct(questions["question_id"], "seeds questions.question_id")
    applies = _dimension_laws(laws, cohorts)
    if con is None and not (isinstance(answers, pd.DataFrame) and isinstance(respondents, pd.DataFrame)):
        raise TypeError("estimates: relations need their connection (con=)")
    # frames without a connection get an in-memory DuckDB of their own, closed afterwards
    with duckdb.connect() if con is None else contextlib.nullcontext(con) as db:
        found = answer_cells(*(db.from_df(x) if isinstance(x, pd.DataFrame) else x for x in (answers, respondents)),
                             questions, applies, db)
    if found.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    codes, cells = _Codes.of(found, question_ids, questions["percentage_base"].to_numpy(dtype=object))
    cats = categories(questions, answer_sets, groups)
    return _complete(pd.concat(_estimate_cells(cells, cats, codes), ignore_index=True), cats)


def _dimension_laws(laws: pd.DataFrame, cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per law (wet): whether leerroute and cohort apply, from seeds laws.has_leerroute and the
    laws that seeds cohorts gives cohorts to. A law in neither has neither."""
    wets = sorted(set(laws["wet"]) | set(cohorts["wet"]))
    leerroute = dict(zip(laws["wet"], laws["has_leerroute"].astype(bool)))
    return pd.DataFrame({"wet": wets, "has_leerroute": [leerroute.get(wet, False) for wet in wets],
                         "has_cohort": [wet in set(cohorts["wet"]) for wet in wets]})


def answer_cells(answers: duckdb.DuckDBPyRelation, respondents: duckdb.DuckDBPyRelation, questions: pd.DataFrame,
                 applies: pd.DataFrame, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The answers each question's percentage_base counts, of respondents and questions known,
    summed into cells of one question, meting, subgroup of every dimension and code each: n
    answers, the sum of their weights and of their squared weights, and how many have no weight.
    Every estimate is a sum of these, so the breakdowns read the cells, far fewer than the answers."""
    repeated = respondents.aggregate("respondent_key, count(*) as n", "respondent_key").filter("n > 1")
    repeated = [key for (key, _) in repeated.order("respondent_key").limit(5).fetchall()]
    if repeated:
        raise ValueError(f"fct_respondent.respondent_key: {repeated} occur more than once")
    counted = pd.DataFrame([(question, status) for question, base in zip(questions["question_id"],
                                                                           questions["percentage_base"])
                            for status in BASE_STATUSES[base]], columns=["question_id", "answer_status"])
    joined = (answers.set_alias("a")
              .join(respondents.set_alias("r"), "a.respondent_key = r.respondent_key")
              .join(con.from_df(applies).set_alias("l"), "r.wet = l.wet", how="left")
              .join(con.from_df(counted).set_alias("b"),
                    "a.question_id = b.question_id and a.answer_status = b.answer_status"))
    sums = ["count(*) as n", "sum(cast(r.weight as double)) as weight_sum",
            "sum(cast(r.weight as double) * cast(r.weight as double)) as square_sum",
            "count(*) - count(r.weight) as without_weight"]
    keys = [f"{sql} as {name}" for name, sql in CELL_SQL]
    cells = joined.aggregate(", ".join([*keys, *sums]), ", ".join(sql for _, sql in CELL_SQL)).df()
    uncoded = cells["harmonised_code"].isna()
    if uncoded.any():
        missing = sorted(set(cells.loc[uncoded, "question_id"]))
        raise ValueError(f"fct_answer: answers in the base without a harmonised_code, question(s) {missing[:5]}")
    return cells


def _distinct(values: pd.Series, what: str) -> np.ndarray:
    """Key values, refused when one occurs twice: a key's position is its code."""
    repeated = values[values.duplicated()]
    if len(repeated):
        raise ValueError(f"{what}: {sorted(repeated.unique())[:5]} occur more than once")
    return values.to_numpy(dtype=object)


@dataclass(frozen=True)
class _Codes:
    """Questions and subgroups as integer codes: numpy groups integers many times faster than text.
    `labels` turns the codes back into text (-1: the dimension does not apply). Text codes are
    given in sorted order, so that sorting codes sorts the text."""
    question_ids: np.ndarray  # a question's code is its position here
    question_base: np.ndarray  # a question code's percentage_base
    labels: dict[str, np.ndarray]

    @classmethod
    def of(cls, found: pd.DataFrame, question_ids: np.ndarray,
           question_base: np.ndarray) -> tuple[_Codes, dict[str, np.ndarray]]:
        """The codes, and the cells (`answer_cells`) in them: question, meting, stratum (the
        weights are raked within meting x group: the strata of the design), the subgroups, code,
        n, weight_sum, square_sum and `weighted`: the cell's meting has a weight for everybody in
        the question's base."""
        cells = {"question": pd.Index(question_ids).get_indexer(found["question_id"]),
                 "meting": found["meting"].to_numpy(dtype=np.int64)}
        text = found[list(DIMENSIONS)].astype(object)
        text["stratum"] = found["meting"].astype(str) + " " + text["group_label"]
        labels = {}
        for column in ("stratum", *DIMENSIONS):
            cells[column], labels[column] = pd.factorize(text[column], sort=True)
        cells["harmonised_code"] = found["harmonised_code"].to_numpy(dtype=np.int64)
        cells["n"] = found["n"].to_numpy(dtype=float)
        cells["weight_sum"] = found["weight_sum"].to_numpy(dtype=float, na_value=np.nan)
        cells["square_sum"] = found["square_sum"].to_numpy(dtype=float, na_value=np.nan)
        _, question_meting = _factorized(_packed([cells["question"], cells["meting"]]))
        unweighted = np.bincount(question_meting, found["without_weight"].to_numpy(dtype=float)) > 0
        cells["weighted"] = ~unweighted[question_meting]
        return cls(question_ids=question_ids, question_base=question_base, labels=labels), cells


def _estimate_cells(cells: dict[str, np.ndarray], cats: pd.DataFrame, codes: _Codes) -> list[pd.DataFrame]:
    """Every breakdown of the single and the combined categories of the cells' questions, with
    the codes turned back into text."""
    recodings = {"single": (cells, cells["harmonised_code"])}
    combined = cats.loc[cats["category_kind"] == "combined", ["question_id", "code", "category_id"]]
    combined = combined.assign(question=pd.Index(codes.question_ids).get_indexer(combined["question_id"]))
    grouped = np.isin(cells["question"], combined["question"].to_numpy())
    if grouped.any():
        ids, names = pd.factorize(combined["category_id"])
        lookup = pd.Series(ids, index=pd.MultiIndex.from_arrays([combined["question"], combined["code"].astype(int)]))
        in_groups = {key: values[grouped] for key, values in cells.items()}
        found = lookup.reindex(pd.MultiIndex.from_arrays([in_groups["question"], in_groups["harmonised_code"]]))
        # answers outside every group are a rest category whose share is not kept
        recodings["combined"] = (in_groups, found.fillna(-1).to_numpy(dtype=int))
        combined_names = np.append(np.asarray(names, dtype=object), "\x00rest")  # -1 reads the last
    frames = []
    for kind, (rows, recoded) in recodings.items():
        for breakdown, dimensions in BREAKDOWNS.items():
            estimated = _estimate_kind(rows, recoded, dimensions)
            if estimated.empty:
                continue
            category = estimated["category"].to_numpy()
            estimated["category"] = category.astype(str) if kind == "single" else combined_names[category]
            frames.append(_decoded(estimated, dimensions, codes).assign(category_kind=kind, breakdown=breakdown))
    return frames


def _decoded(estimated: pd.DataFrame, dimensions: tuple[str, ...], codes: _Codes) -> pd.DataFrame:
    """Question and subgroup codes back to text (they are in every row of a breakdown's scope)."""
    question = estimated.pop("question").to_numpy()
    estimated.insert(0, "question_id", codes.question_ids[question])
    estimated["percentage_base"] = codes.question_base[question]
    for dimension in dimensions:
        estimated[dimension] = np.asarray(codes.labels[dimension], dtype=object)[estimated[dimension].to_numpy()]
    return estimated


def _complete(found: pd.DataFrame, cats: pd.DataFrame) -> pd.DataFrame:
    """Every category of the question on every line that has a base (0 % where nobody chose it),
    labels and member codes attached, percentages in points."""
    line_keys = ["meting", "question_id", "breakdown", "percentage_base", *DIMENSIONS]
    for dimension in DIMENSIONS:
        if dimension not in found:
            found[dimension] = None
    found[list(DIMENSIONS)] = found[list(DIMENSIONS)].astype(object).where(found[list(DIMENSIONS)].notna(), None)
    lines = found.groupby(line_keys, dropna=False).agg(
        base_n=("base_n", "first"), weighted_base=("weighted_base", "first")).reset_index()
    labels = cats.groupby(["question_id", "category_kind", "category_id"], dropna=False).agg(
        harmonised_codes=("code", lambda c: sorted(int(v) for v in c.dropna())),
        answer_status=("answer_status", "first"), label_nl=("label_nl", "first"), label_en=("label_en", "first"),
        sort_order=("sort_order", "first")).reset_index()
    lines = _text_dimensions(lines)
    grid = lines.merge(labels, on="question_id")
    kinds_present = found[["question_id", "category_kind"]].drop_duplicates()
    grid = grid.merge(kinds_present, on=["question_id", "category_kind"])
    values = _text_dimensions(found.rename(columns={"category": "category_id"})[
        line_keys + ["category_kind", "category_id", "respondents", "share", "se"]])
    out = grid.merge(values, how="left", on=line_keys + ["category_kind", "category_id"])
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    weighted = out["weighted_base"].notna()
    out["pct"] = 100.0 * out["respondents"] / out["base_n"]
    p = out["respondents"] / out["base_n"]
    out["se_points"] = 100.0 * np.sqrt(p * (1 - p) / out["base_n"])
    out["pct_weighted"] = (100.0 * out["share"].fillna(0.0)).where(weighted)
    out["se_weighted_points"] = (100.0 * out["se"].fillna(0.0)).where(weighted)
    out["harmonised_code"] = [codes[0] if kind == "single" else None
                              for codes, kind in zip(out["harmonised_codes"], out["category_kind"])]
    out["breakdown_value"] = _display(out)
    out = out[OUTPUT_COLUMNS].astype({"meting": int, "base_n": int, "respondents": int, "sort_order": int})
    out["harmonised_code"] = out["harmonised_code"].astype("Int64")
    return out.sort_values(["meting", "question_id", "breakdown", "breakdown_value", "category_kind",
                            "sort_order", "category_id"]).reset_index(drop=True)


def _text_dimensions(frame: pd.DataFrame) -> pd.DataFrame:
    """Dimension columns as text with None for 'not in the breakdown' (an all-NULL column would
    otherwise come back from a groupby as float)."""
    out = frame.copy()
    for dimension in DIMENSIONS:
        out[dimension] = [None if pd.isna(value) else str(value) for value in out[dimension]]
        out[dimension] = out[dimension].astype(object)
    return out


def _display(frame: pd.DataFrame) -> pd.Series:
    """The line as the pages label it: 'Totaal', 'B1', 'Wi2021-asiel | onbekend'."""
    labels = pd.Series(TOTAL_LABEL, index=frame.index, dtype=object)
    for breakdown, dimensions in BREAKDOWNS.items():
        rows = frame["breakdown"] == breakdown
        if dimensions and rows.any():
            parts = frame.loc[rows, list(dimensions)].astype(str)
            labels[rows] = parts.iloc[:, 0].str.cat(parts.iloc[:, 1:], sep=" | ") if len(dimensions) > 1 \
                else parts.iloc[:, 0]
    return labels
