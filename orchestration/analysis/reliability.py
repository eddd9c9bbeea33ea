"""Scale reliability: Cronbach's alpha (specs.cronbach_alpha) and the item correlations of each
composite scale of the report mapping, per meting and group and for all groups together ('Totaal',
the base of the report's printed alphas).

Complete cases per scale (a respondent with every item answered validly, codes 1-5), the same
respondents the scale score and the regressions use.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from orchestration.analysis.specs import OUTCOME_RANGE, Scale, cronbach_alpha, scales

TOTAL = "Totaal"
SCALE_COLUMNS = ["meting", "scale", "scale_label", "group_label", "n_items", "n", "alpha",
                 "standardised_alpha", "mean_inter_item_r", "min_inter_item_r", "max_inter_item_r",
                 "scale_mean", "scale_sd", "published_alpha", "published_group", "published_source"]
ITEM_COLUMNS = ["meting", "scale", "group_label", "item", "item_order", "n", "mean", "sd",
                "item_rest_r", "alpha_if_deleted"]
PAIR_COLUMNS = ["meting", "scale", "group_label", "item_a", "item_b", "n", "r"]


def item_scores(frame: pd.DataFrame, items: tuple[str, ...]) -> pd.DataFrame:
    scores = frame[list(items)].apply(pd.to_numeric, errors="coerce").astype("float64")
    return scores.where((scores >= OUTCOME_RANGE[0]) & (scores <= OUTCOME_RANGE[1])).dropna()


def _standardised_alpha(r_mean: float, k: int) -> float:
    return float(k * r_mean / (1 + (k - 1) * r_mean)) if np.isfinite(r_mean) else float("nan")


def describe_scale(scores: pd.DataFrame) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Alpha, inter-item correlations and item statistics of complete-case item scores."""
    k, n = scores.shape[1], len(scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = scores.corr() if n >= 2 else pd.DataFrame(np.nan, index=scores.columns, columns=scores.columns)
    pairs = pd.DataFrame(
        [{"item_a": a, "item_b": b, "n": n, "r": float(corr.loc[a, b])}
         for a, b in itertools.combinations(scores.columns, 2)],
        columns=["item_a", "item_b", "n", "r"],
    )
    r_values = pairs["r"].to_numpy(dtype=float)
    r_mean = float(np.nanmean(r_values)) if np.isfinite(r_values).any() else float("nan")
    total = scores.sum(axis=1)
    item_rows = []
    for order, item in enumerate(scores.columns):
        rest = total - scores[item]
        with np.errstate(invalid="ignore", divide="ignore"):
            item_rest = float(scores[item].corr(rest)) if n >= 2 and k >= 2 else float("nan")
        item_rows.append({
            "item": item, "item_order": order, "n": n,
            "mean": float(scores[item].mean()) if n else float("nan"),
            "sd": float(scores[item].std(ddof=1)) if n >= 2 else float("nan"),
            "item_rest_r": item_rest,
            "alpha_if_deleted": cronbach_alpha(scores.drop(columns=item)) if k > 2 else float("nan"),
        })
    summary = {
        "n_items": k, "n": n, "alpha": cronbach_alpha(scores),
        "standardised_alpha": _standardised_alpha(r_mean, k) if k >= 2 else float("nan"),
        "mean_inter_item_r": r_mean,
        "min_inter_item_r": float(np.nanmin(r_values)) if np.isfinite(r_values).any() else float("nan"),
        "max_inter_item_r": float(np.nanmax(r_values)) if np.isfinite(r_values).any() else float("nan"),
        "scale_mean": float((total / k).mean()) if n else float("nan"),
        "scale_sd": float((total / k).std(ddof=1)) if n >= 2 else float("nan"),
    }
    return summary, pd.DataFrame(item_rows, columns=ITEM_COLUMNS[3:]), pairs


def scale_reliability(frame: pd.DataFrame, scale_list: list[Scale] | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(scales, items, item pairs) for every scale x meting x group (and 'Totaal')."""
    summaries, items, pairs = [], [], []
    for meting, wave in frame.groupby("meting", sort=True):
        groups = [(TOTAL, wave)] + [(g, part) for g, part in wave.groupby("group_label", sort=True)]
        for scale in scale_list or scales():
            for group, part in groups:
                scores = item_scores(part, scale.items)
                if scores.empty:
                    continue
                summary, item_table, pair_table = describe_scale(scores)
                key = {"meting": int(meting), "scale": scale.name, "group_label": group}
                summaries.append({**key, "scale_label": scale.label, **summary,
                                  "published_alpha": scale.published_alpha,
                                  "published_group": scale.published_group, "published_source": scale.source})
                items.append(item_table.assign(**key))
                pairs.append(pair_table.assign(**key))
    return (
        _typed(pd.DataFrame(summaries, columns=SCALE_COLUMNS), SCALE_COLUMNS),
        _typed(pd.concat(items, ignore_index=True) if items else pd.DataFrame(columns=ITEM_COLUMNS), ITEM_COLUMNS),
        _typed(pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(columns=PAIR_COLUMNS), PAIR_COLUMNS),
    )


_INTEGER = {"meting", "n_items", "n", "item_order"}
_TEXT = {"scale", "scale_label", "group_label", "item", "item_a", "item_b", "published_group", "published_source"}


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for column in columns:
        if column in _INTEGER:
            out[column] = pd.to_numeric(out[column]).astype("Int64")
        elif column in _TEXT:
            out[column] = out[column].astype("string")
        else:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.reset_index(drop=True)
