"""Drawing answers that reproduce published distributions.

A question's published margins (by group, by leerroute, by cohort, by gender, ...) are
fitted jointly with iterative proportional fitting over respondent cells, then answers are
allocated within each cell by largest-remainder rounding and shuffled: the generated
percentages land on the printed ones up to rounding, not up to a random sampling error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CELL_COLUMNS = ("group_label", "wet", "migrant_type", "leerroute", "cohort", "gender")
GROUP_KEYS = ("group_label", "wet", "migrant_type")


@dataclass(frozen=True)
class Margin:
    """Among respondents matching `where`, the percentage per set of answer codes."""

    where: dict[str, object]
    shares: tuple[tuple[frozenset[int], float], ...]
    n: int | None = None
    source: str = ""

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        selected = np.ones(len(frame), dtype=bool)
        for column, wanted in self.where.items():
            values = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
            selected &= frame[column].isin(list(values)).to_numpy()
        return selected

    def completed(self, codes: list[int]) -> list[tuple[np.ndarray, float]]:
        """Shares as index masks over `codes`, normalised to 1, with the codes the margin does
        not name sharing whatever is left (a printed '(heel) goed 80' leaves 20 for the rest)."""
        index = {code: i for i, code in enumerate(codes)}
        named = np.zeros(len(codes), dtype=bool)
        parts = []
        for code_set, percent in self.shares:
            members = np.zeros(len(codes), dtype=bool)
            for code in code_set:
                if code in index:
                    members[index[code]] = True
            if members.any():
                parts.append((members, max(percent, 0.0)))
                named |= members
        if not parts:
            return []
        total = sum(p for _, p in parts)
        if (~named).any():
            rest = max(100.0 - total, 0.0) if total <= 100 else 0.0
            parts.append((~named, rest))
            total = max(total, 100.0) if total > 100 else 100.0
        return [(members, percent / total) for members, percent in parts if total > 0]


@dataclass
class JointFit:
    cells: pd.DataFrame
    probabilities: np.ndarray  # cells x codes
    codes: list[int]
    iterations: int = 0
    max_error: float = 0.0
    notes: list[str] = field(default_factory=list)


def fit_joint(
    respondents: pd.DataFrame,
    codes: list[int],
    margins: list[Margin],
    prior: np.ndarray | None = None,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> JointFit:
    """IPF over (cell x answer): each margin rescales its cells' answer shares, then each cell
    is brought back to its respondent count. Conflicting margins settle on a compromise.

    Two passes: first with every margin widened to its group (a figure that speaks of cohort 2
    only then shapes cohort 1 alike instead of leaving it at the prior), then the margins as
    printed, starting from that shape."""
    cell_columns = [c for c in CELL_COLUMNS if c in respondents]
    cells = (
        respondents[cell_columns].astype(object).fillna("-")
        .value_counts().rename("count").reset_index()
    )
    counts = cells["count"].to_numpy(dtype=float)
    base = np.full(len(codes), 1.0 / len(codes)) if prior is None else prior / prior.sum()
    joint = counts[:, None] * base[None, :]
    usable = [m for m in margins if set(m.where) <= set(cell_columns)]
    widened = [Margin({k: v for k, v in m.where.items() if k in GROUP_KEYS}, m.shares, m.n, m.source) for m in usable]
    joint, _, _ = _ipf(joint, counts, cells, codes, widened, max_iterations, tolerance)
    joint, iteration, error = _ipf(joint, counts, cells, codes, usable, max_iterations, tolerance)
    probabilities = joint / joint.sum(axis=1, keepdims=True)
    return JointFit(cells=cells, probabilities=probabilities, codes=list(codes), iterations=iteration, max_error=error)


def _ipf(joint: np.ndarray, counts: np.ndarray, cells: pd.DataFrame, codes: list[int], margins: list[Margin],
         max_iterations: int, tolerance: float) -> tuple[np.ndarray, int, float]:
    joint = joint.copy()
    prepared = [(m, m.mask(cells.replace("-", None)), m.completed(codes)) for m in margins]
    prepared = [(m, mask, parts) for m, mask, parts in prepared if mask.any() and parts]
    error = 0.0
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        error = 0.0
        for _, mask, parts in prepared:
            block = joint[mask]
            total = block.sum()
            for members, share in parts:
                current = block[:, members].sum() / total if total else 0.0
                error = max(error, abs(current - share))
                if current > 0:
                    block[:, members] *= share / current
            joint[mask] = block
        row_sums = joint.sum(axis=1)
        joint *= (counts / np.where(row_sums > 0, row_sums, 1.0))[:, None]
        if error < tolerance:
            break
    return joint, iteration, error


def cell_index(respondents: pd.DataFrame, fit: JointFit) -> np.ndarray:
    """For each respondent, the row of `fit.cells` (and of `fit.probabilities`) it belongs to."""
    cell_columns = [c for c in fit.cells.columns if c != "count"]
    lookup = {tuple(row): i for i, row in enumerate(fit.cells[cell_columns].itertuples(index=False))}
    keys = respondents[cell_columns]
    # respondents share a few cells: each distinct cell (numbered in order of first appearance, as
    # drop_duplicates lists them) is looked up once
    position = keys.groupby(cell_columns, dropna=False, sort=False).ngroup().to_numpy()
    distinct = keys.drop_duplicates().astype(object).fillna("-")
    return np.array([lookup[row] for row in distinct.itertuples(index=False, name=None)], dtype=int)[position]


def allocate(respondents: pd.DataFrame, fit: JointFit, rng: np.random.Generator) -> np.ndarray:
    """Answer codes for `respondents`, cell by cell: counts by largest remainder, order shuffled."""
    cell_index_ = cell_index(respondents, fit)
    answers = np.empty(len(respondents), dtype=np.int64)
    codes = np.asarray(fit.codes)
    # each cell's members in ascending order, as np.flatnonzero(cell_index_ == cell) gives them
    order = np.argsort(cell_index_, kind="stable")
    cells, starts = np.unique(cell_index_[order], return_index=True)
    for cell, start, end in zip(cells, starts, [*starts[1:], len(order)]):
        members = order[start:end]
        counts = largest_remainder(fit.probabilities[cell] * len(members), rng)
        answers[rng.permutation(members)] = np.repeat(codes, counts)
    return answers


def largest_remainder(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole counts summing to round(sum(expected)); ties in the remainders break at random."""
    floors = np.floor(expected).astype(int)
    missing = int(round(expected.sum())) - floors.sum()
    if missing > 0:
        remainders = expected - floors + rng.random(len(expected)) * 1e-9
        floors[np.argsort(-remainders)[:missing]] += 1
    return floors
