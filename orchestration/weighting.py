"""Raking weights: each meting's respondents weighted, group by group, to DUO's population
margins (Tabellen 2.9-2.12: group size, gender, leerroute, age band).

The raking itself is svy's (Sample.weighting.rake); this module decides what it is given:

- Weights are expansion weights: within a (meting, group) they add up to the group's population
  count, so a weighted total over groups is a population estimate.
- A respondent whose category is not in the margin (gender 'anders', no leerroute, no age) is in
  category 'onbekend', which keeps its unweighted share of the group; the known categories share
  the rest in the population's proportions. Nothing is imputed.
- A margin category nobody in the sample falls into cannot be reached: it is dropped and the
  others are rescaled (reported in `weighting_note`).
- Trimming: weights are kept within [base / trim_ratio, base * trim_ratio], base = population / n,
  by alternately clipping and raking again; a respondent whose weight was clipped in some round is
  flagged. Where the bounds and the margins can't both hold, the margins win: the weights are
  raked once more (so they may lie outside the bounds) and the note says how far they reach.
- Raking that does not meet the margins (svy is told to keep what it reached at its iteration
  limit) is checked afterwards and noted; a non-positive population count is an error naming the row.
- A meting without margins of its own borrows another meting's (seeds/weighting_targets.csv);
  a meting or group with none at all gets no weight (NULL) and a note, never a guessed one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
import svy

UNKNOWN = "onbekend"
DIMENSIONS = ("gender", "leerroute", "age_band")
OUTPUT_COLUMNS = ["respondent_key", "meting", "group_label", "margins_meting", "base_weight", "weight",
                  "weight_trimmed", "weighting_note"]


@dataclass(frozen=True)
class Target:
    """How one meting is weighted: to which meting's margins, trimmed at which ratio."""

    meting: int
    margins_meting: int
    trim_ratio: float


def _rake(start: np.ndarray, domains: dict[str, np.ndarray], control: dict[str, dict[int, float]]) -> np.ndarray:
    """svy's raking from the weights `start`; it may stop at its iteration limit without meeting
    the margins (margin_gap checks what it reached)."""
    data = pl.DataFrame({"start": start, **domains})
    sample = svy.Sample(data, svy.Design(wgt="start"))
    raked = sample.weighting.rake(controls=control, tol=1e-8, max_iter=1000, on_nonconvergence="ignore")
    return raked.data["rk_wgt"].to_numpy()


def controls(categories: pd.Series, margin: dict[str, float], total: float) -> tuple[dict[str, float], list[str]]:
    """Control totals for one dimension of one group, and the margin categories dropped because
    no respondent is in them. `categories` already has UNKNOWN for what the margin lacks."""
    present = set(categories.unique())
    dropped = sorted(category for category in margin if category not in present)
    known = {category: count for category, count in margin.items() if category in present}
    unknown_share = float((categories == UNKNOWN).mean())
    known_total = sum(known.values())
    if known_total <= 0:
        return {UNKNOWN: total}, dropped
    result = {category: total * (1 - unknown_share) * count / known_total for category, count in known.items()}
    if unknown_share > 0:
        result[UNKNOWN] = total * unknown_share
    return result, dropped


def categorise(values: pd.Series, margin: dict[str, float]) -> np.ndarray:
    """The respondent's category where the margin has it, UNKNOWN otherwise."""
    return np.where(values.isin(list(margin)), values.astype(object), UNKNOWN).astype(str)


def margin_gap(weights: np.ndarray, domains: dict[str, np.ndarray], control: dict[str, dict[str, float]]) -> float:
    """Largest relative gap between a weighted category total and its control."""
    return max((abs(weights[domain == category].sum() - target) / target
                for dimension, domain in domains.items() for category, target in control[dimension].items()),
               default=0.0)


def _domains(frame: pd.DataFrame, total: float, margins: dict[str, dict[str, float]]):
    """(respondent categories per raked dimension, their controls, notes)."""
    domains, control, notes = {}, {}, []
    for dimension, margin in margins.items():
        categories = categorise(frame[dimension], margin)
        targets, dropped = controls(pd.Series(categories), margin, total)
        if set(targets) == {UNKNOWN}:
            notes.append(f"{dimension}: no respondent in any of its categories, not raked")
            continue
        if dropped:
            notes.append(f"{dimension} {', '.join(dropped)}: no respondent, dropped from the margin")
        if len(targets) > 1:  # one category is the group total, which the base weight already meets
            # integer codes: the controls are keyed by them, the same for every dimension
            codes = {category: code for code, category in enumerate(sorted(targets))}
            domains[dimension] = pd.Series(categories).map(codes).to_numpy(dtype=np.int64)
            control[dimension] = {codes[category]: target for category, target in targets.items()}
    return domains, control, notes


def rake_group(frame: pd.DataFrame, total: float, margins: dict[str, dict[str, float]],
               trim_ratio: float, max_rounds: int = 25) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Raked, trimmed weights for one (meting, group): (weights, trimmed flags, notes)."""
    base = total / len(frame)
    weights = np.full(len(frame), base)
    trimmed = np.zeros(len(frame), dtype=bool)
    domains, control, notes = _domains(frame, total, margins)
    if not domains:
        return weights, trimmed, notes
    low, high = base / trim_ratio, base * trim_ratio
    for _ in range(max_rounds):
        weights = _rake(weights, domains, control)
        outside = (weights < low * (1 - 1e-6)) | (weights > high * (1 + 1e-6))
        if not outside.any():
            break
        trimmed |= outside
        weights = np.clip(weights, low, high)
    else:
        # the margins win over the bounds: rake once more and say how far the weights then reach
        weights = _rake(weights, domains, control)
        notes.append(f"trimming did not settle in {max_rounds} rounds: weights "
                     f"{weights.min() / base:.2f}-{weights.max() / base:.2f} x base "
                     f"(bounds {1 / trim_ratio:g}-{trim_ratio:g})")
    gap = margin_gap(weights, domains, control)
    if gap > 1e-4:
        notes.append(f"raking did not meet the margins: largest gap {100 * gap:.2f} % of a category's target")
    return weights, trimmed, notes


def group_margins(margins: pd.DataFrame, meting: int, group: str) -> tuple[float | None, dict[str, dict[str, float]]]:
    """(population count of the group, {dimension: {category: count}}) from the seed's long rows."""
    rows = margins[(margins["meting"] == meting) & (margins["group_label"] == group)]
    size = rows.loc[rows["dimension"] == "group", "population_count"]
    not_positive = rows[rows["population_count"].astype(float) <= 0]
    if len(not_positive):
        row = not_positive.iloc[0]
        raise ValueError(f"population_margins: meting {meting}, {group}, {row['dimension']} {row['category']} has "
                         f"population_count {row['population_count']}; expected a positive count (leave out a "
                         "category nobody is in)")
    by_dimension = {
        dimension: dict(zip(part["category"], part["population_count"].astype(float)))
        for dimension, part in rows[rows["dimension"].isin(DIMENSIONS)].groupby("dimension")
    }
    return (float(size.iloc[0]) if len(size) else None), by_dimension


def weigh(respondents: pd.DataFrame, margins: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    """One row per respondent (OUTPUT_COLUMNS). `respondents` needs respondent_key, meting,
    group_label and the DIMENSIONS; `margins` is seeds.population_margins."""
    missing = [column for column in ("respondent_key", "meting", "group_label", *DIMENSIONS)
               if column not in respondents.columns]
    if missing:
        raise ValueError(f"weighting needs respondent columns {missing}: not in the respondents frame")
    by_meting = {target.meting: target for target in targets}
    # raking sums in row order: a fixed order keeps the last digits of every weight the same
    # from build to build, however the database happened to hand the rows over
    respondents = respondents.sort_values("respondent_key", kind="stable")
    parts = [_weigh_group(part, None if pd.isna(meting) else by_meting.get(int(meting)), margins)
             for (meting, _group), part in respondents.groupby(["meting", "group_label"], sort=True, dropna=False)]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in OUTPUT_COLUMNS})
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]


def _weigh_group(part: pd.DataFrame, target: Target | None, margins: pd.DataFrame) -> pd.DataFrame:
    meting, group = part["meting"].iloc[0], str(part["group_label"].iloc[0])
    out = part[["respondent_key", "meting", "group_label"]].copy()
    out["margins_meting"] = pd.NA if target is None else target.margins_meting
    if pd.isna(meting):
        return _unweighted(out, "no meting: not weighted")
    meting = int(meting)
    if target is None:
        return _unweighted(out, f"no weighting target for meting {meting} (seeds/weighting_targets.csv)")
    total, dimensions = group_margins(margins, target.margins_meting, group)
    if total is None:
        return _unweighted(out, f"no population count for {group} in meting {target.margins_meting}'s margins")
    weights, trimmed, notes = rake_group(part.reset_index(drop=True), total, dimensions, target.trim_ratio)
    out["base_weight"] = total / len(part)
    out["weight"] = weights
    out["weight_trimmed"] = trimmed
    borrowed = [] if target.margins_meting == meting else [f"margins of meting {target.margins_meting}"]
    out["weighting_note"] = "; ".join(borrowed + notes) or None
    return out


def _unweighted(out: pd.DataFrame, note: str) -> pd.DataFrame:
    out["base_weight"] = np.nan
    out["weight"] = np.nan
    out["weight_trimmed"] = False
    out["weighting_note"] = note
    return out


def targets_from_frame(frame: pd.DataFrame) -> list[Target]:
    return [Target(int(row.meting), int(row.margins_meting), float(row.trim_ratio)) for row in frame.itertuples()]
