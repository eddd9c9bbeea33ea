"""Composite outcomes drawn from the report's regression models.

For a group with a published model, each item gets a latent score
    latent_j = X B_j + s_j (sqrt(rho) z_common + sqrt(1 - rho) z_j)
with B_j the item's own model (B.4.8-B.4.14) or the composite's (B.2.7-B.2.14), s_j set by the
model's adjusted R2 and rho by the scale's Cronbach's alpha. Within the group the latent scores
are cut into answer codes by rank, so the item's printed distribution holds exactly; then the
latent coefficients are corrected a few times until the fitted model on the coded answers
lands on the published one.

The models, their terms and the alphas are the report mapping's (report_mapping.yaml), read
here with the generator's own code: predictors are built from the respondents' answer labels
("Vrouw", "Z-route", "Cohort 1") as the mapping states each term, never through the analysis
layer's design matrix, so a wrongly coded term there shows as a coefficient off its published value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from orchestration.synthetic.allocation import cell_index, fit_joint, largest_remainder
from orchestration.synthetic.answers import cell_codes, prior, respond, targets_for, valid_codes
from orchestration.synthetic.context import Context
from orchestration.synthetic.report_mapping import (
    PublishedModel,
    outcome_items,
    published_alpha,
    published_models,
    term_source,
    term_value,
)

CORRECTION_ROUNDS = 12
DAMPING = 0.7
SCALE_RANGE = (1, 5)  # the items' scale points: 1 = negative .. 5 = positive end
# the generator's labels of its derived cohort (PIP before / from 1 January 2024)
COHORT_LABELS = {1.0: "Cohort 1", 2.0: "Cohort 2"}


@dataclass
class ItemPlan:
    item: str
    model: PublishedModel
    target: pd.Series  # published B per term (without the constant)
    errors: pd.Series  # published SE per term
    r2: float


def _published(ctx: Context, model: PublishedModel) -> tuple[pd.Series, pd.Series, float]:
    raw = ctx.tables[f"T{model.report_table}"].raw
    terms = {t["term"]: (float(t["B"]), float(t["SE"])) for t in raw["terms"] if t["term"] != "Constante"}
    estimates = pd.Series({term: terms[term][0] for term in model.terms})
    errors = pd.Series({term: terms[term][1] for term in model.terms})
    return estimates, errors, float(raw["adj_r2"])


def _plans(ctx: Context, composite: str, group: str) -> list[ItemPlan] | None:
    models = {m.outcome: m for m in published_models() if m.group == group}
    if composite not in models:
        return None
    composite_model = models[composite]
    plans = []
    for item in composite_model.items:
        own = next((m for m in models.values() if m.items == (item,)), None)
        model = own or composite_model
        target, errors, r2 = _published(ctx, model)
        plans.append(ItemPlan(item, model, target, errors, r2))
    return plans


def _cut_by_rank(latent: np.ndarray, shares: np.ndarray, codes: list[int], rng: np.random.Generator) -> np.ndarray:
    counts = largest_remainder(shares / shares.sum() * len(latent), rng)
    order = np.argsort(latent + rng.normal(0, 1e-9, size=len(latent)), kind="stable")
    result = np.empty(len(latent), dtype=float)
    result[order] = np.repeat(np.asarray(codes, dtype=float), counts)
    return result


def cronbach_alpha(items: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the sum), complete cases."""
    # dropna would copy a frame without a missing score as it is
    complete = items.dropna() if items.isna().to_numpy().any() else items
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_variance))


def predictors(ctx: Context, frame: pd.DataFrame, terms: tuple[str, ...]) -> pd.DataFrame:
    """The model's terms per respondent, from their answer labels as the mapping codes each."""
    columns = {}
    for term in terms:
        kind, name = term_source(term)
        if kind == "question":
            labels = dict(zip(ctx.answers(name)["code"].astype(float), ctx.answers(name)["label_nl"]))
            values = pd.to_numeric(frame[name], errors="coerce").astype(float).map(labels)
        elif name == "cohort":
            values = pd.to_numeric(frame["cohort"], errors="coerce").astype(float).map(COHORT_LABELS)
        else:
            values = frame[name]
        columns[term] = term_value(term, values)
    return pd.DataFrame(columns, index=frame.index)


def scale_score(frame: pd.DataFrame, items: tuple[str, ...]) -> pd.Series:
    """The outcome as the report builds it: the mean of the items' scale points, every item
    answered."""
    scores = frame[list(items)].apply(pd.to_numeric, errors="coerce").astype(float)
    scores = scores.where((scores >= SCALE_RANGE[0]) & (scores <= SCALE_RANGE[1]))
    return scores.mean(axis=1, skipna=False)


def _coded_scale_score(coded: dict[str, np.ndarray], items: tuple[str, ...], index: pd.Index) -> pd.Series:
    """scale_score of the coded answers (floats), in numpy: for fewer than eight items a row's
    sum is added item after item, as pandas adds them, so the mean is the same to the bit."""
    if len(items) >= 8:
        return scale_score(pd.DataFrame(coded, index=index), items)
    total = np.zeros(len(index))
    for item in items:
        scores = coded[item]
        total = total + np.where((scores >= SCALE_RANGE[0]) & (scores <= SCALE_RANGE[1]), scores, np.nan)
    return pd.Series(total / len(items), index=index)


def _rho_for_alpha(signal: np.ndarray, scales: np.ndarray, alpha: float, z_common: np.ndarray, z_items: np.ndarray) -> float:
    best, best_gap = 0.5, np.inf
    for rho in np.linspace(0.0, 0.98, 50):
        latent = signal + scales * (np.sqrt(rho) * z_common[:, None] + np.sqrt(1 - rho) * z_items)
        gap = abs(cronbach_alpha(pd.DataFrame(latent)) - alpha)
        if gap < best_gap:
            best, best_gap = rho, gap
    return best


def generate_composite(ctx: Context, frame: pd.DataFrame, composite: str, meting: int) -> dict[str, np.ndarray]:
    """Codes for every item of a composite, for every respondent."""
    items = outcome_items(composite)
    alpha = published_alpha(composite)
    block_draws = ctx.rng("composite-skip", meting, composite).random(len(frame))
    result, valid = {}, {}
    for item in items:
        valid[item], result[item] = respond(ctx, frame, item, meting, block_draws)
    cuts = {item: _cell_distributions(ctx, frame, item, meting, valid[item]) for item in items}
    for group in frame["questionnaire"].unique():
        plans = _plans(ctx, composite, group)
        members = np.flatnonzero((frame["questionnaire"] == group).to_numpy())
        if plans is None:
            _fill_without_model(ctx, items, alpha, group, members, result, meting, cuts)
            continue
        _fill_from_model(ctx, frame, plans, alpha, group, members, valid, result, meting, cuts)
    return result


@dataclass
class CellCuts:
    """Per valid respondent its cell (group x leerroute x cohort) and per cell the answer
    shares that the published margins imply (IPF), with codes in ascending scale order."""

    index: np.ndarray          # cell per respondent of the frame, -1 if not answering validly
    probabilities: np.ndarray  # cells x codes
    codes: list[int]


def _cell_distributions(ctx: Context, frame: pd.DataFrame, item: str, meting: int, valid: np.ndarray) -> CellCuts:
    targets = targets_for(ctx, item, meting)
    # scale codes run from the negative to the positive end (codebook convention)
    substantive = _substantive(ctx, item)
    codes = sorted(c for c in valid_codes(ctx, item, meting) if c in substantive)
    # only the breakdowns the report prints for this item pin its cells; the rest of the
    # structure (gender, or route and cohort where nothing is printed) comes from the model
    printed = {key for margin in targets.margins for key in margin.where}
    columns = ["group_label", "wet", "migrant_type"] + [c for c in ("leerroute", "cohort") if c in printed]
    answering = np.flatnonzero(valid)
    cells = ctx.cells(frame)[columns].iloc[answering]
    fit = fit_joint(cells, codes, targets.margins, prior(ctx, item, codes),
                    coded=cell_codes(ctx, frame).subset(answering, columns))
    index = np.full(len(frame), -1)
    index[valid] = cell_index(cells, fit)
    return CellCuts(index, fit.probabilities, codes)


def _substantive(ctx: Context, item: str) -> set[int]:
    answers = ctx.answers(item)
    return set(answers.loc[(answers["missing_type"] == "") & (answers["code"] > 0), "code"])


def latent_alpha(alpha: float, k: int, ctx: Context) -> float:
    """The alpha the latent scores need so that the coded five-point answers show `alpha`:
    coding keeps only part of an inter-item correlation (params: ordinal_attenuation)."""
    if k < 2:
        return alpha
    inter_item = alpha / (k - (k - 1) * alpha)
    latent = min(0.97, inter_item / ctx.params["ordinal_attenuation"])
    return k * latent / (1 + (k - 1) * latent)


def _fill_without_model(ctx, items, alpha, group, members, result, meting, cuts) -> None:
    """No published model for this group: the items still form a scale. One common factor with
    the inter-item correlation of parallel items at the printed alpha, cut per cell by rank."""
    k = len(items)
    target = latent_alpha(alpha, k, ctx)
    rho = target / (k - (k - 1) * target) if k > 1 else 1.0
    rng = ctx.rng("composite-no-model", meting, group, items[0])
    z_common = rng.normal(size=len(members))
    for item in items:
        latent = np.sqrt(rho) * z_common + np.sqrt(1 - rho) * rng.normal(size=len(members))
        cut = cuts[item]
        cells = cut.index[members]
        cut_rng = ctx.rng("cut", meting, group, item)
        for cell in np.unique(cells[cells >= 0]):
            rows = cells == cell
            result[item][members[rows]] = _cut_by_rank(latent[rows], cut.probabilities[cell], cut.codes, cut_rng)


def _fill_from_model(ctx, frame, plans, alpha, group, members, valid, result, meting, cuts) -> None:
    rng = ctx.rng("composite", meting, group, plans[0].model.outcome)
    part = frame.iloc[members]
    terms = plans[0].model.terms
    x = predictors(ctx, part, terms)
    x_filled = x.fillna(x.mean()).fillna(0.0).to_numpy()
    coefficients = np.array([plan.target.reindex(terms).to_numpy() for plan in plans])  # items x terms
    signal = x_filled @ coefficients.T
    variances = signal.var(axis=0)
    r2 = np.array([plan.r2 for plan in plans])
    shared_model = all(plan.model is plans[0].model for plan in plans) and len(plans) > 1
    scales = np.sqrt(variances * (1 - r2) / np.maximum(r2, 0.01))
    z_common = rng.normal(size=len(members))
    z_items = rng.normal(size=(len(members), len(plans)))
    rho = _rho_for_alpha(signal, scales, latent_alpha(alpha, len(plans), ctx), z_common, z_items)
    if shared_model:  # the composite's R2 is about the mean of the items: less noise per item
        k = len(plans)
        scales = scales / np.sqrt(rho + (1 - rho) / k)
    item_cuts = [cuts[plan.item] for plan in plans]
    errors = np.array([plan.errors.reindex(terms).to_numpy() for plan in plans])
    latent_coefficients = coefficients.copy()
    best = (np.inf, latent_coefficients.copy(), scales.copy())
    designs: dict[bytes, pd.DataFrame | None] = {}
    for _ in range(CORRECTION_ROUNDS):
        coded = _code_items(plans, x_filled, latent_coefficients, scales, rho, z_common, z_items, item_cuts,
                            members, ctx, meting, group)
        fitted = _fit(x, coded, plans, terms, shared_model, designs)
        if fitted is None:
            break
        params, fitted_r2 = fitted
        distance = float(np.nanmax(np.abs(params - coefficients) / errors))
        if distance < best[0]:
            best = (distance, latent_coefficients.copy(), scales.copy())
        # damped: coding into five answers bends the mapping, a full step overshoots
        latent_coefficients += DAMPING * (coefficients - params)
        # coding also changes the explained share: steer the noise towards the printed R2
        scales *= (_odds(np.clip(fitted_r2, 0.005, 0.95)) / _odds(np.clip(r2, 0.005, 0.95))) ** 0.25
    _, latent_coefficients, scales = best
    coded = _code_items(plans, x_filled, latent_coefficients, scales, rho, z_common, z_items, item_cuts,
                        members, ctx, meting, group)
    for plan in plans:
        rows = valid[plan.item][members]
        result[plan.item][members[rows]] = coded[plan.item][rows]


def _code_items(plans, x, coefficients, scales, rho, z_common, z_items, item_cuts, members,
                ctx, meting, group) -> dict[str, np.ndarray]:
    """Latent scores cut into codes by rank inside each cell, at the cell's published shares."""
    coded = {}
    for j, plan in enumerate(plans):
        latent = x @ coefficients[j] + scales[j] * (np.sqrt(rho) * z_common + np.sqrt(1 - rho) * z_items[:, j])
        cuts = item_cuts[j]
        cells = cuts.index[members]
        values = np.full(len(members), np.nan)
        rng = ctx.rng("cut", meting, group, plan.item)
        for cell in np.unique(cells[cells >= 0]):
            rows = cells == cell
            values[rows] = _cut_by_rank(latent[rows], cuts.probabilities[cell], cuts.codes, rng)
        coded[plan.item] = values
    return coded


def _design(x: pd.DataFrame, keep: pd.Series, terms) -> pd.DataFrame | None:
    """The kept respondents' predictors with a constant; None when there are too few
    respondents (a small --scale) to estimate the model: the published coefficients then stay
    as they are rather than be corrected towards noise."""
    design = add_constant(x[keep], has_constant="add")
    if keep.sum() <= len(terms) + 5 or np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        return None
    return design


def _odds(r2: np.ndarray) -> np.ndarray:
    return r2 / (1 - r2)


def _fit(x: pd.DataFrame, coded: dict[str, np.ndarray], plans, terms, shared_model,
         designs: dict[bytes, pd.DataFrame | None] | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The models fitted on the coded answers. `designs`: the design matrices of earlier
    rounds by the respondents they keep (who answers stays the same from round to round)."""
    designs = {} if designs is None else designs
    outcomes = [tuple(coded)] if shared_model else [(plan.item,) for plan in plans]
    fitted, explained = [], []
    for items in outcomes:
        y = _coded_scale_score(coded, items, x.index)
        keep = y.notna() & x.notna().all(axis=1)
        key = keep.to_numpy().tobytes()
        if key not in designs:
            designs[key] = _design(x, keep, terms)
        design = designs[key]
        if design is None:
            return None
        result = OLS(y[keep], design).fit()
        fitted.append(result.params.reindex(terms).to_numpy())
        explained.append(result.rsquared_adj)
    if shared_model:
        return np.repeat(fitted, len(plans), axis=0), np.repeat(explained, len(plans))
    return np.array(fitted), np.array(explained)
