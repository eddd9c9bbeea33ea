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
    # a cell's labels (as a row of `cells`, without its count) -> its row
    rows: dict[tuple, int] = field(default_factory=dict)
    # the respondents fitted, and the row of each one's cell
    fitted: pd.DataFrame | None = None
    fitted_cells: np.ndarray | None = None


def fit_joint(
    respondents: pd.DataFrame,
    codes: list[int],
    margins: list[Margin],
    prior: np.ndarray | None = None,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
    coded: CellCodes | None = None,
) -> JointFit:
    """IPF over (cell x answer): each margin rescales its cells' answer shares, then each cell
    is brought back to its respondent count. Conflicting margins settle on a compromise.

    Two passes: first with every margin widened to its group (a figure that speaks of cohort 2
    only then shapes cohort 1 alike instead of leaving it at the prior), then the margins as
    printed, starting from that shape.

    `coded`: the respondents' cell columns coded already (their rows of a larger frame's codes)."""
    cell_columns = [c for c in CELL_COLUMNS if c in respondents]
    coded = coded or CellCodes.of(respondents, cell_columns)
    if coded.columns != cell_columns:
        raise ValueError(f"cell codes of {coded.columns}, respondents with {cell_columns}")
    position, labels = coded.groups()
    # the cells as value_counts lists them: most respondents first, ties in order of appearance
    sizes = np.bincount(position, minlength=len(labels))
    order = np.argsort(-sizes, kind="stable")
    sizes = sizes[order]
    cell_labels = [labels[i] for i in order]
    cells = pd.DataFrame(cell_labels, columns=cell_columns, dtype=object)
    cells["count"] = sizes
    counts = sizes.astype(float)
    base = np.full(len(codes), 1.0 / len(codes)) if prior is None else prior / prior.sum()
    joint = counts[:, None] * base[None, :]
    usable = [m for m in margins if set(m.where) <= set(cell_columns)]
    widened = [Margin({k: v for k, v in m.where.items() if k in GROUP_KEYS}, m.shares, m.n, m.source) for m in usable]
    columns = {column: [row[i] for row in cell_labels] for i, column in enumerate(cell_columns)}
    parts = [m.completed(codes) for m in usable]
    shape = (len(cell_labels), len(codes))
    joint, _, _ = _ipf(joint, counts, _prepare(widened, parts, columns, shape), max_iterations, tolerance)
    joint, iteration, error = _ipf(joint, counts, _prepare(usable, parts, columns, shape), max_iterations, tolerance)
    probabilities = joint / joint.sum(axis=1, keepdims=True)
    row_of_group = np.empty(len(order), dtype=int)
    row_of_group[order] = np.arange(len(order))
    return JointFit(cells=cells, probabilities=probabilities, codes=list(codes), iterations=iteration, max_error=error,
                    rows={row: i for i, row in enumerate(cell_labels)}, fitted=respondents,
                    fitted_cells=row_of_group[position])


@dataclass
class CellCodes:
    """Cell columns of a frame as integer codes into each column's distinct labels (missing as
    "-"): the respondents of a question are a subset of a meting's, whose cells are then grouped
    from these codes in numpy, without reading the labels again."""

    columns: list[str]
    codes: list[np.ndarray]
    labels: list[list]

    @classmethod
    def of(cls, frame: pd.DataFrame, columns: list[str]) -> "CellCodes":
        coded = [_label_codes(frame[column]) for column in columns]
        return cls(list(columns), [codes for codes, _ in coded], [labels for _, labels in coded])

    def subset(self, rows: np.ndarray, columns: list[str] | None = None) -> "CellCodes":
        """The codes of `rows` (positions), of `columns` (all when None)."""
        at = [self.columns.index(column) for column in (columns or self.columns)]
        return CellCodes([self.columns[i] for i in at], [self.codes[i][rows] for i in at], [self.labels[i] for i in at])

    def groups(self) -> tuple[np.ndarray, list[tuple]]:
        """Per row its cell, cells numbered in order of first appearance (as groupby with
        sort=False numbers them), and each cell's labels."""
        combined = np.zeros(len(self.codes[0]) if self.codes else 0, dtype=np.int64)
        for codes, labels in zip(self.codes, self.labels):
            combined = combined * len(labels) + codes
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        by_appearance = np.argsort(first)
        rank = np.empty(len(first), dtype=np.intp)
        rank[by_appearance] = np.arange(len(first))
        rows = [tuple(labels[codes[i]] for codes, labels in zip(self.codes, self.labels)) for i in first[by_appearance]]
        return rank[inverse.reshape(-1)], rows


def _label_codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """A column's values as codes into its distinct labels (as `astype(object).fillna("-")`
    gives them): values that label alike, a missing value and a literal "-" say, share a code."""
    codes, uniques = pd.factorize(values)
    numbering: dict[object, int] = {}
    label_codes = np.array([numbering.setdefault(label, len(numbering))
                            for label in [*uniques.astype(object), "-"]])  # code -1 (missing) is the last
    return label_codes[codes], list(numbering)


def _prepare(margins: list[Margin], parts: list[list[tuple[np.ndarray, float]]], columns: dict[str, list],
             shape: tuple[int, int]) -> list[_Step]:
    """A step per margin that selects cells and names codes; `columns` are the cells' labels per
    cell column, `shape` is (cells, codes)."""
    steps = []
    for margin, margin_parts in zip(margins, parts):
        rows = np.flatnonzero(_selects(margin.where, columns, shape[0]))
        if len(rows) and margin_parts:
            parts_at = [(np.flatnonzero(members), share) for members, share in margin_parts]
            steps.append(_Step.of(rows, parts_at, shape))
    return steps


def _selects(where: dict[str, object], columns: dict[str, list], n_cells: int) -> np.ndarray:
    """Margin.mask over the cells' labels, with "-" read as missing (None) as the mask reads it."""
    selected = np.ones(n_cells, dtype=bool)
    for column, wanted in where.items():
        values = set(wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted])
        selected &= np.array([(None if label == "-" else label) in values for label in columns[column]], dtype=bool)
    return selected


def _ipf(joint: np.ndarray, counts: np.ndarray, steps: list[_Step], max_iterations: int, tolerance: float
         ) -> tuple[np.ndarray, int, float]:
    joint = joint.copy()
    error = 0.0
    iteration = 0
    # Margins that conflict keep the fit from converging; many such fits end up cycling through
    # the same few states, bit for bit. An iteration depends on nothing but the state it starts
    # from, so once a state comes back the rest of the iterations repeat the ones since it (none
    # of which stopped the fit): the last iteration's state and error are read off the cycle.
    seen = {joint.tobytes(): 0}
    states, errors = [joint.tobytes()], [0.0]  # after iteration i; the error iteration i found
    for iteration in range(1, max_iterations + 1):
        error = 0.0
        gaps: list[np.ndarray] = []
        for step in steps:
            error = step.apply(joint, error, gaps)
        if gaps:  # the largest gap is the same whichever step found it: taken once per iteration
            error = max(error, np.max(np.abs(np.concatenate(gaps))))
        row_sums = joint.sum(axis=1)
        joint *= (counts / np.where(row_sums > 0, row_sums, 1.0))[:, None]
        if error < tolerance:
            break
        errors.append(error)
        state = joint.tobytes()
        if state in seen:
            return _end_of_cycle(joint, states, errors, seen[state], iteration, max_iterations)
        seen[state] = iteration
        states.append(state)
    return joint, iteration, error


def _end_of_cycle(joint: np.ndarray, states: list[bytes], errors: list[float], start: int, again: int,
                  max_iterations: int) -> tuple[np.ndarray, int, float]:
    """The fit's end when the state after iteration `again` is the one after `start`: the state
    after the last iteration, and the error that iteration found (from the state before it)."""
    period = again - start
    last = states[start + (max_iterations - start) % period]
    error = errors[start + (max_iterations - 1 - start) % period + 1]
    return np.frombuffer(last, dtype=joint.dtype).reshape(joint.shape).copy(), max_iterations, error


# A part's current share is the sum of its codes' columns over the margin's cells, added up in
# the order `block[:, members].sum()` adds them: that selection lays the values out column by
# column, so its sum runs down each column in turn. The rows of `block.T.take(codes, axis=0)`
# hold the same values in that order, contiguously, so a sum over them (or over one of its
# rows) is the same number to the last bit; a sum in another order may differ there and shift
# an allocation.

@dataclass
class _Step:
    """One margin's step in the fit: the rows of the cells it selects and its parts (code
    indices, share). For a margin whose parts share no code, the parts' codes part after part
    (`order`, each part a slice `bounds` of it); when every part is one code, the codes in
    ascending order with their shares."""

    rows: np.ndarray
    parts: list[tuple[np.ndarray, float]]
    n_codes: int
    disjoint: bool
    order: np.ndarray
    bounds: list[tuple[int, int]]
    single_codes: np.ndarray | None
    single_shares: np.ndarray | None
    every_code: bool  # single codes, all of them
    all_rows: bool  # the margin selects every cell: rescaled in place

    @classmethod
    def of(cls, rows: np.ndarray, parts: list[tuple[np.ndarray, float]], shape: tuple[int, int]) -> "_Step":
        """The step of a margin selecting `rows` of a joint of `shape` (cells, codes)."""
        order = np.concatenate([members for members, _ in parts])
        ends = np.cumsum([len(members) for members, _ in parts])
        disjoint = len(np.unique(order)) == len(order)
        single_codes = single_shares = None
        if disjoint and len(order) == len(parts):
            ascending = np.argsort(order)
            single_codes, single_shares = order[ascending], np.array([share for _, share in parts])[ascending]
        return cls(rows, parts, shape[1], disjoint, order, list(zip([0, *ends[:-1]], ends)), single_codes,
                   single_shares, every_code=single_codes is not None and len(single_codes) == shape[1],
                   all_rows=len(rows) == shape[0])

    def apply(self, joint: np.ndarray, error: float, gaps: list[np.ndarray]) -> float:
        """Rescale the parts of the margin's cells' answers to their shares. Returns the largest
        gap between a part's share before and its target, or `error` if larger; a margin of
        single codes adds its gaps (signed) to `gaps` instead."""
        block = joint if self.all_rows else joint.take(self.rows, axis=0)
        total = np.add.reduce(block, axis=None)
        if not total:  # nothing to rescale: every part counts as 0
            return max([error, *(abs(0.0 - share) for _, share in self.parts)])
        if not self.disjoint:
            error = self._in_turn(block, total, error)
        elif self.single_codes is not None:
            self._single_codes(block, total, gaps)
        else:
            error = self._at_once(block, total, error)
        if not self.all_rows:
            joint[self.rows] = block
        return error

    def _in_turn(self, block: np.ndarray, total: float, error: float) -> float:
        """Parts that share codes: each brought to its share in turn, on what the ones before left."""
        for members, share in self.parts:
            current = block.T.take(members, axis=0).sum() / total
            error = max(error, abs(current - share))
            if current > 0:
                block[:, members] *= share / current
        return error

    def _at_once(self, block: np.ndarray, total: float, error: float) -> float:
        """Parts that share no code: rescaling one leaves the others' sums as they were, so every
        part's sum is taken first and the block rescaled in one multiplication (by 1 where a code
        keeps its value): the same numbers as part by part, in fewer steps."""
        by_code = block.T.take(self.order, axis=0)
        factors = np.ones(self.n_codes)
        for (start, stop), (members, share) in zip(self.bounds, self.parts):
            current = by_code[start:stop].sum() / total
            error = max(error, abs(current - share))
            if current > 0:
                factors[members] = share / current
        block *= factors
        return error

    def _single_codes(self, block: np.ndarray, total: float, gaps: list[np.ndarray]) -> None:
        """_at_once for parts of one code each (a printed distribution over the answers): the
        parts' sums are the rows' sums of `block.T.take(codes)`, taken together; a margin over
        every code that all respondents can still move is one division and one multiplication."""
        by_code = block.T.copy() if self.every_code else block.T.take(self.single_codes, axis=0)
        current = np.add.reduce(by_code, axis=1) / total
        gaps.append(current - self.single_shares)
        scaled = current > 0
        if self.every_code and scaled.all():
            block *= self.single_shares / current
            return
        factors = np.ones(self.n_codes)
        factors[self.single_codes[scaled]] = self.single_shares[scaled] / current[scaled]
        block *= factors


def cell_index(respondents: pd.DataFrame, fit: JointFit) -> np.ndarray:
    """For each respondent, the row of `fit.cells` (and of `fit.probabilities`) it belongs to."""
    if respondents is fit.fitted:  # the respondents it was fitted on: grouped already
        return fit.fitted_cells
    cell_columns = [c for c in fit.cells.columns if c != "count"]
    position, labels = CellCodes.of(respondents, cell_columns).groups()
    # respondents share a few cells: each distinct cell is looked up once
    return np.array([fit.rows[row] for row in labels], dtype=int)[position]


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
