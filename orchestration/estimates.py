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
- **Subgroups** are the dimensions as separate columns (NULL where not part of the breakdown).
  An unknown value is a subgroup 'onbekend', never dropped; leerroute and cohort apply to the
  Wi2021 groups only (Wi2013 has neither), so Wi2013 respondents are outside those breakdowns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import duckdb
import numpy as np
import pandas as pd

UNKNOWN = "onbekend"
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
# answer_status of the answers each percentage_base counts
BASE_STATUSES = {
    "valid": ("valid",),
    "valid_and_dont_know": ("valid", "dont_know"),
    "answered": ("valid", "dont_know", "no_answer"),
}
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
    frame = pd.DataFrame({"domain": np.asarray(domain), "stratum": np.asarray(stratum),
                          "category": np.asarray(category), "w": np.asarray(weight, dtype=float)})
    frame["w2"] = frame["w"] * frame["w"]
    n_h = frame.groupby("stratum", sort=False).size().rename("n_h")
    if (n_h < 2).any():
        raise ValueError(f"strata {sorted(n_h.index[n_h < 2].tolist())[:5]} hold one respondent: a variance "
                         "needs two; collapse them first (_collapse_singleton_strata)")
    cells = frame.groupby(["domain", "stratum"], sort=False).agg(W_hd=("w", "sum"), Q_hd=("w2", "sum")).reset_index()
    cells = cells.join(n_h, on="stratum")
    cells["f"] = cells["n_h"] / (cells["n_h"] - 1)
    cells["f_q"] = cells["f"] * cells["Q_hd"]
    cells["f_ww"] = cells["f"] * cells["W_hd"] ** 2 / cells["n_h"]
    per_domain = cells.groupby("domain", sort=False).agg(W_d=("W_hd", "sum"), all_q=("f_q", "sum"),
                                                          all_ww=("f_ww", "sum"))
    found = frame.groupby(["domain", "stratum", "category"], sort=False).agg(
        S=("w", "sum"), Q=("w2", "sum")).reset_index()
    found = found.merge(cells[["domain", "stratum", "W_hd", "n_h", "f", "f_ww"]], on=["domain", "stratum"])
    found = found.join(per_domain["W_d"], on="domain")
    share = found.groupby(["domain", "category"], sort=False)["S"].sum() / \
        found.groupby(["domain", "category"], sort=False)["W_d"].first()
    found["p"] = share.reindex(pd.MultiIndex.from_frame(found[["domain", "category"]])).to_numpy()
    p = found["p"]
    # strata of the domain where the category occurs, minus their share of the all-strata sums
    found["t1"] = found["f"] * ((1 - p) ** 2 * found["Q"] - p ** 2 * found["Q"])
    found["t2"] = found["f"] * (found["S"] - p * found["W_hd"]) ** 2 / found["n_h"] - p ** 2 * found["f_ww"]
    sums = found.groupby(["domain", "category"], sort=False).agg(
        p=("p", "first"), t1=("t1", "sum"), t2=("t2", "sum")).reset_index()
    sums = sums.join(per_domain, on="domain")
    p = sums["p"]
    # sum over every stratum of the domain of f (w^2 (y - p)^2) and of f (sum w (y - p))^2 / n_h
    within = sums["t1"] + p ** 2 * sums["all_q"]
    between = sums["t2"] + p ** 2 * sums["all_ww"]
    variance = (within - between).clip(lower=0.0) / sums["W_d"] ** 2
    return pd.DataFrame({"domain": sums["domain"].to_numpy(), "category": sums["category"].to_numpy(),
                         "share": p.to_numpy(), "se": np.sqrt(variance.to_numpy())})


def subgroup_columns(respondents: pd.DataFrame) -> pd.DataFrame:
    """The breakdown dimensions as text, 'onbekend' where a dimension applies but is unknown,
    NULL where it does not apply (leerroute and cohort outside Wi2021)."""
    wi2021 = respondents["wet"].eq("Wi2021")
    cohort = respondents["cohort"].map(lambda v: None if pd.isna(v) else str(int(v)))
    return pd.DataFrame({
        "group_label": respondents["group_label"].fillna(UNKNOWN),
        "leerroute": respondents["leerroute"].where(respondents["leerroute"].notna(), UNKNOWN).where(wi2021, None),
        "cohort": cohort.where(cohort.notna(), UNKNOWN).where(wi2021, None),
        "gender": respondents["gender"].where(respondents["gender"].notna(), UNKNOWN),
    }, index=respondents.index)


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


def _estimate_kind(base: pd.DataFrame, category: pd.Series, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """Counts, shares and standard errors of one recoding (single codes or combined ids) over
    one breakdown, for every question and meting at once: strata are question x meting x group, so
    each question's estimates are those of its own design."""
    keys = ["question_id", "meting", *dimensions]
    scope = base[list(dimensions)].notna().all(axis=1) if dimensions else pd.Series(True, index=base.index)
    part = base.loc[scope, keys + ["stratum", "weight", "weighted", "percentage_base"]].assign(
        category=category[scope].to_numpy())
    if part.empty:
        return pd.DataFrame()
    part["domain"] = part.groupby(keys, sort=False).ngroup().to_numpy()
    counts = part.groupby(["domain", "category"], sort=False).size().rename("respondents")
    lines = part.drop_duplicates("domain").set_index("domain")[keys + ["percentage_base"]]
    lines["base_n"] = part.groupby("domain").size()
    result = counts.reset_index().join(lines, on="domain")
    sized = _collapse_singleton_strata(part[part["weighted"].to_numpy()])
    if len(sized):
        strata = sized.groupby(["question_id", "stratum"], sort=False).ngroup().to_numpy()
        shares = weighted_shares(sized["category"].to_numpy(), sized["weight"].to_numpy(dtype=float),
                                 strata, sized["domain"].to_numpy())
        result = result.join(shares.set_index(["domain", "category"]), on=["domain", "category"])
        result = result.join(sized.groupby("domain")["weight"].sum().rename("weighted_base"), on="domain")
    else:
        result = result.assign(share=np.nan, se=np.nan, weighted_base=np.nan)
    return result.drop(columns="domain")


def _collapse_singleton_strata(sized: pd.DataFrame) -> pd.DataFrame:
    """A stratum with one respondent in the base has no variance of its own (its variance divides
    by n - 1): it is collapsed into the largest stratum of its meting, the usual remedy for
    singleton strata. A meting with one respondent in the base cannot be estimated at all: its rows
    are left out, so their weighted share and standard error stay NULL rather than look certain.
    Per question: each question's base is a design of its own."""
    size = sized.groupby(["question_id", "stratum"], sort=False)["stratum"].transform("size")
    if (size > 1).all():
        return sized
    per_stratum = sized.groupby(["question_id", "meting", "stratum"]).size().reset_index(name="n")
    largest = per_stratum.sort_values(["n", "stratum"]).groupby(["question_id", "meting"]).tail(1)
    largest = largest.set_index(["question_id", "meting"])["stratum"]
    into = largest.reindex(pd.MultiIndex.from_frame(sized[["question_id", "meting"]])).to_numpy()
    sized = sized.assign(stratum=sized["stratum"].where(size > 1, into))
    return sized[sized.groupby(["question_id", "stratum"], sort=False)["stratum"].transform("size") > 1]


# rows of answers in memory at a time (read, and merged with their respondents): bounds memory
# at any number of waves
BATCH_ROWS = 2_000_000


def _question_groups(sizes: Iterable[tuple[str, int]], rows: int | None = None) -> Iterator[list[str]]:
    """Question ids in groups of whole questions of about `rows` (BATCH_ROWS) answers each, from
    (question_id, answers) pairs."""
    group, size = [], 0
    for question_id, count in sizes:
        group.append(question_id)
        size += count
        if size >= (rows or BATCH_ROWS):
            yield group
            group, size = [], 0
    if group:
        yield group


def question_batches(answers: duckdb.DuckDBPyRelation, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The answers of a relation (fct_answer's columns), whole questions at a time and about
    `rows` (BATCH_ROWS) answers each, so that they never all sit in memory at once."""
    sizes = answers.aggregate("question_id, count(*) as n").order("question_id").fetchall()
    for group in _question_groups(sizes, rows):
        wanted = [duckdb.ConstantExpression(question_id) for question_id in group]
        yield answers.filter(duckdb.ColumnExpression("question_id").isin(*wanted)).df()


def _frame_batches(answers: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """The same batches of a frame already in memory: what is merged with the respondents at once
    stays bounded."""
    sizes = answers.groupby("question_id", sort=True).size().items()
    for group in _question_groups(sizes):
        yield answers[answers["question_id"].isin(group)]


def estimates(answers: pd.DataFrame | Iterable[pd.DataFrame], respondents: pd.DataFrame, questions: pd.DataFrame,
              answer_sets: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """One row per meting x question x breakdown line x category (zero rows included for every
    category of a line that has a base). Inputs: fct_answer (respondent_key, question_id,
    harmonised_code, answer_status), as one frame or as frames of whole questions
    (`question_batches`), fct_respondent (respondent_key, meting, wet, group_label, leerroute,
    cohort, gender, weight), seeds questions (question_id, answer_set_id, percentage_base),
    answer_sets and answer_set_groups."""
    unknown_base = sorted(set(questions["percentage_base"]) - set(BASE_STATUSES))
    if unknown_base:
        raise ValueError(f"seeds questions.percentage_base: unknown value(s) {unknown_base}; "
                         f"expected one of {sorted(BASE_STATUSES)}")
    people = respondents[["respondent_key", "meting", "weight"]].join(subgroup_columns(respondents))
    # the weights are raked within meting x group: the strata of the design
    people["stratum"] = people["meting"].astype(str) + " " + people["group_label"]
    cats = categories(questions, answer_sets, groups)
    frames, seen = [], set()
    for chunk in _frame_batches(answers) if isinstance(answers, pd.DataFrame) else answers:
        # a question split over two chunks would be estimated twice, each time on part of its base
        split = seen & set(chunk["question_id"])
        if split:
            raise ValueError(f"answers of question(s) {sorted(split)[:5]} arrive in more than one batch; "
                             "each batch must hold whole questions")
        seen |= set(chunk["question_id"])
        frames.extend(_estimate_batch(_answers_in_base(chunk, questions).merge(people, on="respondent_key"), cats))
    if not frames:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return _complete(pd.concat(frames, ignore_index=True), cats)


def _answers_in_base(answers: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """The answers each question's percentage_base counts, with that base."""
    statuses = pd.DataFrame([(base, status) for base, kept in BASE_STATUSES.items() for status in kept],
                            columns=["percentage_base", "answer_status"])
    rules = questions[["question_id", "percentage_base"]].merge(statuses, on="percentage_base")
    return answers[["respondent_key", "question_id", "harmonised_code", "answer_status"]].merge(
        rules, on=["question_id", "answer_status"])[["respondent_key", "question_id", "harmonised_code",
                                                      "percentage_base"]]


def _estimate_batch(base: pd.DataFrame, cats: pd.DataFrame) -> list[pd.DataFrame]:
    """Every breakdown of the single and the combined categories of the questions in `base`."""
    # weighted shares only for a meting where everybody in the question's base has a weight
    base = base.assign(weighted=base["weight"].notna().groupby([base["question_id"], base["meting"]])
                       .transform("all").to_numpy())
    codes = base["harmonised_code"].astype(int)
    recodings = {"single": (base, codes.astype(str))}
    combined = cats.loc[cats["category_kind"] == "combined", ["question_id", "code", "category_id"]]
    grouped = base[base["question_id"].isin(combined["question_id"])]
    if len(grouped):
        # answers outside every group are a rest category whose share is not kept
        lookup = combined.assign(code=combined["code"].astype(int)).set_index(["question_id", "code"])["category_id"]
        ids = lookup.reindex(pd.MultiIndex.from_arrays([grouped["question_id"], codes[grouped.index]])).to_numpy()
        recodings["combined"] = (grouped, pd.Series(ids, index=grouped.index).fillna("\x00rest"))
    frames = []
    for kind, (rows, recoded) in recodings.items():
        for breakdown, dimensions in BREAKDOWNS.items():
            estimated = _estimate_kind(rows, recoded, dimensions)
            if not estimated.empty:
                frames.append(estimated.assign(category_kind=kind, breakdown=breakdown))
    return frames


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
