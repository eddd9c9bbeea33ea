"""k-anonymity for the analysts' snapshot: no respondent-wave can be singled out by its
quasi-identifiers.

The warehouse keeps every detail (engineers; pseudonymised record-level data). The snapshot
(analysts) holds the same records, but every combination of the declared quasi-identifiers
(`seeds/privacy/snapshot_quasi_identifiers.csv`) is shared by at least k respondent-waves
(`INBURGERING_SNAPSHOT_K`, default 5):

1. **Coarsen** as the seed declares: municipality -> province (`municipality_regions.csv`; a
   municipality missing there is suppressed, never guessed), exact age and PIP date dropped
   (the report's age band and cohort stay), a country of origin held by fewer than `rare_below`
   respondent-waves of a meting -> 'Anders' (code 9).
2. **Suppress locally**: while a record's combination (meting, group and the quasi-identifiers)
   counts fewer than k records, its next value in `suppression_order` (least useful to analysts
   first) is suppressed. A suppressed value is counted as a value of its own ("suppressed"), not
   as matching anything: an attacker who knows a respondent's values still finds at least every
   record of its class, so the count is a lower bound of what they face. Meting and group are
   never suppressed: the questions a respondent was asked give the group away.
3. Records whose values are all suppressed and still too few in their (meting, group) take
   records from that partition's largest class (which keeps at least k). A (meting, group) with
   fewer than k records cannot be protected by suppression: its records are left out of the
   snapshot (the warehouse keeps them) and the privacy report names the group.

Suppressed values are NULL in the snapshot, and `fct_respondent.suppressed_quasi_identifiers`
names them, so a suppressed value is never mistaken for a missing answer; in `fct_answer` the
answer rows of a suppressed quasi-identifier get `answer_status = 'suppressed'`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.config import PROJECT_DIR

DEFAULT_K = 5
K_ENV = "INBURGERING_SNAPSHOT_K"
OPEN_ANSWERS_ENV = "INBURGERING_SNAPSHOT_OPEN_ANSWERS"
SEED_DIR = PROJECT_DIR / "seeds" / "privacy"
QUASI_IDENTIFIER_SEED = "snapshot_quasi_identifiers.csv"
REGION_SEED = "municipality_regions.csv"
TABLE_SEED = "snapshot_aggregate_rules.csv"
SUPPRESSED_STATUS = "suppressed"
SUPPRESSED_LIST_COLUMN = "suppressed_quasi_identifiers"
# Markers while counting: a suppressed value, and a value that is missing in the warehouse.
_STAR, _MISSING = "\x00suppressed", "\x00missing"
_SEED_COLUMNS = ("quasi_identifier", "source_table", "source_column", "detail_column", "coarsening",
                 "rare_below", "other_value", "suppression_order", "linked_columns", "answer_question_id")
_COARSENINGS = ("", "municipality_regions", "rare_to_other")
RECORD_LEVEL_RULES = ("k_anonymous", "on_request", "excluded")
SMALL_CELLS, NO_SMALL_CELLS = "small_cells", "no_small_cells"
_TABLE_RULES = (*RECORD_LEVEL_RULES, SMALL_CELLS, NO_SMALL_CELLS)


class PrivacyRuleError(RuntimeError):
    """The privacy rules are missing or malformed: nothing is published (fail closed)."""


@dataclass(frozen=True)
class QuasiIdentifier:
    name: str
    source_table: str  # fct_respondent (a column) or fct_answer (the rows of one question)
    source_column: str
    detail_column: str | None
    coarsening: str | None
    rare_below: int | None
    other_value: int | None
    suppression_order: int | None  # None: a partition, never suppressed
    linked_columns: tuple[str, ...]
    answer_question_id: str | None

    @property
    def partition(self) -> bool:
        return self.suppression_order is None


@dataclass(frozen=True)
class TableRule:
    """What the snapshot does with one table (seeds/privacy/snapshot_aggregate_rules.csv)."""
    relation: str  # schema.table
    rule: str
    count_columns: tuple[str, ...]  # small_cells: a row with any of these under k is left out
    line_columns: tuple[str, ...] = ()  # with dimension_columns: what a line is, for its complements
    dimension_columns: tuple[str, ...] = ()  # breakdown dimensions, NULL where not part of the breakdown


@dataclass(frozen=True)
class Rules:
    quasi_identifiers: tuple[QuasiIdentifier, ...]
    regions: dict[str, str]  # normalised municipality -> province
    k: int
    open_answers: bool
    tables: dict[str, TableRule] = field(default_factory=dict)  # "schema.table" -> its rule

    @property
    def partitions(self) -> list[QuasiIdentifier]:
        return [q for q in self.quasi_identifiers if q.partition]

    @property
    def suppressible(self) -> list[QuasiIdentifier]:
        return sorted((q for q in self.quasi_identifiers if not q.partition), key=lambda q: q.suppression_order)

    @classmethod
    def load(cls, seed_dir: Path | None = None, k: int | None = None, open_answers: bool | None = None) -> "Rules":
        seed_dir = seed_dir or SEED_DIR
        return cls(quasi_identifiers=_read_quasi_identifiers(seed_dir / QUASI_IDENTIFIER_SEED),
                   regions=_read_regions(seed_dir / REGION_SEED),
                   k=minimum_group_size(k), open_answers=open_answers_requested(open_answers),
                   tables=_read_table_rules(seed_dir / TABLE_SEED))


def minimum_group_size(k: int | None = None) -> int:
    """k: the argument, else INBURGERING_SNAPSHOT_K, else 5. Below 2 protects nobody: refused."""
    raw = k if k is not None else os.environ.get(K_ENV, DEFAULT_K)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise PrivacyRuleError(f"{K_ENV}={raw!r}: the snapshot's minimum group size must be a whole number") from None
    if value < 2:
        raise PrivacyRuleError(f"{K_ENV}={value}: the snapshot's minimum group size must be at least 2")
    return value


def open_answers_requested(value: bool | None = None) -> bool:
    """Free text is copied only when INBURGERING_SNAPSHOT_OPEN_ANSWERS asks for it (1, true, yes)."""
    if value is not None:
        return value
    return os.environ.get(OPEN_ANSWERS_ENV, "").strip().lower() in ("1", "true", "yes")


def normalise_municipality(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split()).casefold()


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise PrivacyRuleError(f"{path}: the snapshot's privacy rules are missing; nothing is published without them")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _optional_int(path: Path, row: dict[str, str], column: str) -> int | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise PrivacyRuleError(f"{path}: {row['quasi_identifier']}.{column} = {text!r} is not a whole number") from None


def _read_quasi_identifiers(path: Path) -> tuple[QuasiIdentifier, ...]:
    rows = _read_csv(path)
    missing = [column for column in _SEED_COLUMNS if rows and column not in rows[0]]
    if not rows or missing:
        raise PrivacyRuleError(f"{path}: expected columns {', '.join(_SEED_COLUMNS)} and at least one row; "
                               f"missing {missing or 'rows'}")
    result = []
    for row in rows:
        text = {column: (row[column] or "").strip() for column in _SEED_COLUMNS}
        if text["source_table"] not in ("fct_respondent", "fct_answer") or text["coarsening"] not in _COARSENINGS:
            raise PrivacyRuleError(f"{path}: {text['quasi_identifier']}: unknown source_table "
                                   f"{text['source_table']!r} or coarsening {text['coarsening']!r}")
        result.append(QuasiIdentifier(
            name=text["quasi_identifier"], source_table=text["source_table"], source_column=text["source_column"],
            detail_column=text["detail_column"] or None, coarsening=text["coarsening"] or None,
            rare_below=_optional_int(path, row, "rare_below"), other_value=_optional_int(path, row, "other_value"),
            suppression_order=_optional_int(path, row, "suppression_order"),
            linked_columns=tuple(c.strip() for c in text["linked_columns"].split(";") if c.strip()),
            answer_question_id=text["answer_question_id"] or None))
    orders = [q.suppression_order for q in result if not q.partition]
    names = [q.name for q in result]
    if len(set(orders)) != len(orders) or len(set(names)) != len(names):
        raise PrivacyRuleError(f"{path}: quasi_identifier and suppression_order must each be unique")
    if not any(q.partition for q in result):
        raise PrivacyRuleError(f"{path}: no partition (a row without suppression_order, e.g. meting)")
    for q in result:
        if q.coarsening == "rare_to_other" and (q.rare_below is None or q.other_value is None):
            raise PrivacyRuleError(f"{path}: {q.name}: rare_to_other needs rare_below and other_value")
    return tuple(result)


def _read_table_rules(path: Path) -> dict[str, TableRule]:
    rows = _read_csv(path)
    if not rows or any(column not in rows[0] for column in ("relation", "rule", "count_columns")):
        raise PrivacyRuleError(f"{path}: expected columns relation, rule, count_columns and at least one row")
    rules: dict[str, TableRule] = {}
    for row in rows:
        relation, rule = (row["relation"] or "").strip(), (row["rule"] or "").strip()
        counts = tuple(c.strip() for c in (row["count_columns"] or "").split(";") if c.strip())
        if relation.count(".") != 1 or relation in rules:
            raise PrivacyRuleError(f"{path}: relation {relation!r} must be schema.table and listed once")
        if rule not in _TABLE_RULES:
            raise PrivacyRuleError(f"{path}: {relation}: unknown rule {rule!r}; "
                                   f"expected one of {', '.join(_TABLE_RULES)}")
        if (rule == SMALL_CELLS) != bool(counts):
            raise PrivacyRuleError(f"{path}: {relation}: count_columns are required for {SMALL_CELLS} "
                                   "and only there")
        lines, dimensions = (tuple(c.strip() for c in (row.get(column) or "").split(";") if c.strip())
                             for column in ("line_columns", "dimension_columns"))
        if (lines or dimensions) and not (lines and dimensions and counts):
            raise PrivacyRuleError(f"{path}: {relation}: line_columns and dimension_columns go together, "
                                   f"and only with {SMALL_CELLS}")
        rules[relation] = TableRule(relation=relation, rule=rule, count_columns=counts, line_columns=lines,
                                    dimension_columns=dimensions)
    return rules


def _read_regions(path: Path) -> dict[str, str]:
    regions: dict[str, str] = {}
    for row in _read_csv(path):
        municipality, province = (row.get("municipality") or "").strip(), (row.get("province") or "").strip()
        if not municipality or not province:
            raise PrivacyRuleError(f"{path}: a row without municipality or province: {row}")
        regions[normalise_municipality(municipality)] = province
    return regions


@dataclass
class Protection:
    """The released values per respondent-wave and what it took to get them."""
    released: pd.DataFrame  # respondent_key, released values of coarsened QIs, suppressed__<qi> flags, suppressed list
    k: int
    coarsened: dict[str, int]  # quasi-identifier -> values coarsened
    suppressed: dict[str, int]  # quasi-identifier -> values suppressed
    unmapped_municipalities: dict[str, int]  # for the engineer's log only, never into the snapshot
    under_k_detail: int  # respondent-waves in combinations under k on the warehouse's detail
    unique_detail: int
    under_k_coarsened: int  # ... after coarsening, before suppression
    unique_coarsened: int
    pulled_into_suppressed: int  # records fully suppressed to hide a too-small fully suppressed class
    # (meting, group) partitions with fewer than k records: left out of the snapshot, with their size
    unprotectable: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)


def protect(respondents: pd.DataFrame, rules: Rules) -> Protection:
    """`respondents`: one row per respondent-wave with respondent_key and, per quasi-identifier,
    its source column (or detail column). Returns the values the snapshot may publish."""
    frame = respondents.copy()
    partitions = [q.name for q in rules.partitions]
    order = [q.name for q in rules.suppressible]
    detail = _detail_keys(frame, rules)
    under_k_detail, unique_detail = _small_and_unique(detail, partitions + order, rules.k)

    coarsened, unmapped = {}, {}
    keys = pd.DataFrame({"respondent_key": frame["respondent_key"]})
    counting = pd.DataFrame(index=frame.index)
    for q in rules.quasi_identifiers:
        keys[q.name], coarsened[q.name], no_coarse_value = _coarsen(frame, q, rules)
        counting[q.name] = keys[q.name].map(_marker).where(~no_coarse_value, _STAR)
        if no_coarse_value.any():
            names = frame.loc[no_coarse_value, q.detail_column or q.source_column].value_counts()
            unmapped.update({str(name): int(count) for name, count in names.items()})
    counting = counting[partitions + order]
    under_k_coarsened, unique_coarsened = _small_and_unique(counting, partitions + order, rules.k)

    counting = _suppress(counting, partitions, order, rules.k)
    counting, pulled = _fill_fully_suppressed(counting, partitions, order, rules.k)
    group_sizes = counting.groupby(partitions, dropna=False).size()
    left_out = {" / ".join(str(v) for v in (group if isinstance(group, tuple) else (group,))): int(size)
                for group, size in group_sizes.items() if size < rules.k}
    unprotectable = sorted(left_out)
    too_small = (counting.groupby(partitions, dropna=False)[partitions[0]].transform("size") < rules.k).to_numpy()

    released = pd.DataFrame({"respondent_key": keys["respondent_key"]})
    flags = counting[order] == _STAR
    for q in rules.quasi_identifiers:
        if q.coarsening and not q.partition:
            released[q.name] = keys[q.name].where(~flags[q.name], None)
    for name in order:
        released[f"suppressed__{name}"] = flags[name].to_numpy()
    released[SUPPRESSED_LIST_COLUMN] = [", ".join(n for n, hit in zip(order, row) if hit) or None
                                        for row in flags.itertuples(index=False)]
    # a group smaller than k is left out whole: the snapshot joins its records to `released`
    released = released[~too_small]
    # a value missing in the warehouse is not counted as suppressed; an unmapped municipality is
    detail_known = {q.name: frame[q.detail_column or q.source_column].notna() for q in rules.suppressible}
    suppressed = {name: int((flags[name] & detail_known[name]).sum()) for name in order}
    return Protection(released=released, k=rules.k, coarsened=coarsened, suppressed=suppressed,
                      unmapped_municipalities=unmapped, under_k_detail=under_k_detail,
                      unique_detail=unique_detail, under_k_coarsened=under_k_coarsened,
                      unique_coarsened=unique_coarsened, pulled_into_suppressed=pulled,
                      unprotectable=unprotectable, left_out=left_out)


def _marker(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _MISSING
    return str(value)


def _detail_keys(frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The quasi-identifiers as the warehouse holds them (municipality, exact age): the 'before'."""
    return pd.DataFrame({q.name: frame[q.detail_column or q.source_column].map(_marker)
                         for q in rules.quasi_identifiers})


def _small_and_unique(keys: pd.DataFrame, columns: list[str], k: int) -> tuple[int, int]:
    sizes = keys.groupby(columns, dropna=False)[columns[0]].transform("size")
    return int((sizes < k).sum()), int((sizes == 1).sum())


def _coarsen(frame: pd.DataFrame, q: QuasiIdentifier, rules: Rules) -> tuple[pd.Series, int, pd.Series]:
    """The released value (None: missing), how many values were coarsened, and which records must
    be suppressed because the rule has no coarse value for them (a municipality not in the seed)."""
    nothing = pd.Series(False, index=frame.index)
    if q.coarsening == "municipality_regions":
        municipality = frame[q.detail_column]
        region = municipality.map(lambda name: rules.regions.get(normalise_municipality(name))
                                  if isinstance(name, str) else None)
        unmapped = municipality.notna() & region.isna()
        mapped = int((municipality.notna() & ~unmapped).sum())
        return region.astype(object).where(region.notna(), None), mapped, unmapped
    column = frame[q.source_column]
    if q.coarsening == "rare_to_other":
        within = [frame[p.source_column] for p in rules.partitions if p.name == "meting"]
        counts = column.groupby(within + [column], dropna=False).transform("size")
        rare = column.notna() & (counts < q.rare_below) & (column != q.other_value)
        return column.where(~rare, q.other_value).astype(object).where(column.notna(), None), int(rare.sum()), nothing
    coarsened = int(frame[q.detail_column].notna().sum()) if q.detail_column else 0
    return column.astype(object).where(column.notna(), None), coarsened, nothing


def _suppress(keys: pd.DataFrame, partitions: list[str], order: list[str], k: int) -> pd.DataFrame:
    """Each record in a combination under k loses its next value in `order`, until none is under
    k or it has nothing left to lose. Records in combinations of k or more are never touched, so
    a combination that reached k keeps it."""
    keys = keys.copy()
    for _ in order:
        sizes = keys.groupby(partitions + order, dropna=False)[partitions[0]].transform("size")
        todo = (sizes < k).to_numpy().copy()
        if not todo.any():
            break
        for name in order:
            hit = todo & (keys[name] != _STAR).to_numpy()
            keys.loc[hit, name] = _STAR
            todo = todo & ~hit
    return keys


def _fill_fully_suppressed(keys: pd.DataFrame, partitions: list[str], order: list[str],
                           k: int) -> tuple[pd.DataFrame, int]:
    """A fully suppressed class still under k takes records from its partition's other classes:
    first the spare records of the largest (which keep k), then, if that is not enough, whole
    classes, smallest first. Either way every class left keeps at least k."""
    keys = keys.copy()
    all_star = (keys[order] == _STAR).all(axis=1).to_numpy()
    take: list[int] = []  # positions
    for members in keys.groupby(partitions, dropna=False).indices.values():
        starred = int(all_star[members].sum())
        need = k - starred if starred else 0
        if need <= 0:
            continue
        rest = members[~all_star[members]]
        classes = sorted((sorted(rest[positions].tolist()) for positions in
                          keys.iloc[rest].groupby(order, dropna=False).indices.values()),
                         key=lambda rows: (-len(rows), rows[0]))
        chosen: list[int] = []
        for rows in classes:
            spare = min(len(rows) - k, need - len(chosen))
            if spare > 0:
                chosen += rows[:spare]
        for rows in reversed(classes):
            if len(chosen) >= need:
                break
            taken = set(chosen)
            chosen += [row for row in rows if row not in taken]
        take += chosen
    if take:
        keys.iloc[take, [keys.columns.get_loc(name) for name in order]] = _STAR
    return keys, len(take)
