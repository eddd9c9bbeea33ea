"""What the snapshot publishes of the marts: the k-anonymous values of
orchestration/privacy/snapshot_privacy.py written into fct_respondent and fct_answer, free text
only on request, aggregates without their small lines, a privacy report, and the check that
refuses a snapshot under k.

Every table is judged by its rule in seeds/privacy/snapshot_aggregate_rules.csv, and the publish
stops (fail closed) when one has none: a table with a person key (respondent_key, person_key) is
record-level and must be one this module protects or excludes; an aggregate with a count-like
column must say which columns count the respondents of a row's line (`small_cells`: rows under k
are left out) or declare that it has no such cells (`no_small_cells`). An aggregate line of fewer
than k respondents would hand over their answers, and matching them to fct_answer would undo the
suppression there; the lines printed beside it lose their smallest too, so that subtracting them
from the coarser line does not give it back (hidden_lines). A small numerator in a line of k or
more (1 of 40 chose an answer) is kept: it says that someone among 40 did, not who; the records'
k-anonymity is the guarantee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from orchestration.privacy.snapshot_privacy import (
    NO_SMALL_CELLS,
    OPEN_ANSWERS_ENV,
    SMALL_CELLS,
    SUPPRESSED_LIST_COLUMN,
    SUPPRESSED_STATUS,
    TABLE_SEED,
    Protection,
    QuasiIdentifier,
    Rules,
    TableRule,
    protect,
)

RESPONDENTS = ("marts", "fct_respondent")
ANSWERS = ("marts", "fct_answer")
OPEN_ANSWERS = ("marts", "fct_open_answer")
RESPONDENT_LEVEL = (RESPONDENTS, ANSWERS, OPEN_ANSWERS)
# what each record-level rule of the seed may name: the tables this module knows how to protect
_HANDLED = {"k_anonymous": (RESPONDENTS, ANSWERS), "on_request": (OPEN_ANSWERS,)}
PERSON_KEYS = ("respondent_key", "person_key")
# a column that may count people: n, *_n, n_*, *count*, *respondents*, *base*
_COUNT_LIKE = re.compile(r"(^|_)n($|_)|count|respondents|base")
PRIVACY_TABLE = "snapshot_privacy"
PRIVACY_COMMENT = ("What disclosure control did to this snapshot: per quasi-identifier how it was coarsened and how "
                   "many values were suppressed, the columns dropped and tables left out, and the k required and "
                   "reached.")
SCRUB_STATUS_COLUMN = "scrub_status"
_RELEASED = "_snapshot_released"
# the placeholders macros/privacy.sql puts where it removed contact details
_SCRUB_PLACEHOLDERS = r"\[(e-mail|iban|telefoon|nummer)\]"


class PrivacyNotReached(RuntimeError):
    """The snapshot would hold a combination of quasi-identifiers shared by fewer than k records."""


@dataclass(frozen=True)
class PrivacyReport:
    k_required: int
    k_reached: int | None  # smallest combination in the snapshot; None without respondents
    respondent_waves: int
    combinations: int
    coarsened: dict[str, int]
    suppressed: dict[str, int]
    records_with_suppression: int
    unmapped_municipalities: int
    under_k_detail: int
    unique_detail: int
    under_k_coarsened: int
    unique_coarsened: int
    dropped_columns: list[str]
    excluded_tables: list[str]
    groups_left_out: list[str] = field(default_factory=list)  # "meting / group" with fewer than k records
    small_cells: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows left out (under k)

    @property
    def rows_left_out(self) -> int:
        return sum(self.small_cells.values())

    @property
    def values_coarsened(self) -> int:
        return sum(self.coarsened.values())

    @property
    def values_suppressed(self) -> int:
        return sum(self.suppressed.values())

    def summary(self) -> str:
        unmapped = (f"; {self.unmapped_municipalities} in a municipality missing from "
                    "seeds/privacy/municipality_regions.csv (region suppressed)" if self.unmapped_municipalities else "")
        return (f"k {self.k_reached} reached (required {self.k_required}) on {len(self.coarsened)} quasi-identifiers "
                f"over {self.respondent_waves} respondent-waves; {self.values_coarsened} values coarsened, "
                f"{self.values_suppressed} suppressed ({self.records_with_suppression} records); before: "
                f"{self.unique_detail} unique, {self.under_k_detail} under k{unmapped}; "
                f"{self.rows_left_out} aggregate rows left out (lines under k and their complements) in "
                f"{sum(1 for n in self.small_cells.values() if n)} tables"
                + (f"; groups under k left out: {', '.join(self.groups_left_out)}" if self.groups_left_out else ""))


class Plan:
    """Decided before anything is written: which tables are left out, and how the respondent-level
    ones are selected."""

    def __init__(self, con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]], rules: Rules):
        self.rules = rules
        self.columns = {relation: _columns(con, *relation) for relation in relations}
        self.table_rules = _table_rules(self.columns, rules)
        self.excluded = [relation for relation, rule in self.table_rules.items()
                         if rule.rule == "excluded" or (rule.rule == "on_request" and not rules.open_answers)]
        self.protection: Protection | None = None
        if RESPONDENTS not in self.columns and any(relation in self.columns for relation in RESPONDENT_LEVEL):
            raise PrivacyNotReached("marts.fct_respondent is missing: the answers cannot be protected without it")
        if RESPONDENTS in self.columns:
            self.protection = protect(_respondents(con, rules, self.columns), rules)
            con.register(_RELEASED, self.protection.released)
        self._hide_lines(con)

    @property
    def small_cells(self) -> list[tuple[str, str]]:
        return [relation for relation, rule in self.table_rules.items()
                if rule.rule == SMALL_CELLS and relation not in self.excluded]

    def under_k(self, relation: tuple[str, str]) -> str:
        """The condition a row of a small_cells table is left out on: a count of its line under k
        (a NULL count is no line: the other meting of a comparison, an empty base)."""
        counts = self.table_rules[relation].count_columns
        return " or ".join(f"coalesce({_ident(c)} < {self.rules.k}, false)" for c in counts)

    def _hide_lines(self, con: duckdb.DuckDBPyConnection) -> None:
        """For tables with breakdown dimensions: the lines left out, complements included, as a
        registered relation the copy anti-joins on."""
        self.hidden: dict[tuple[str, str], str] = {}
        for relation in self.small_cells:
            rule = self.table_rules[relation]
            if not rule.dimension_columns:
                continue
            hidden = hidden_lines(con, relation, rule, self.rules.k)
            name = f"_snapshot_hidden__{relation[0]}__{relation[1]}"
            con.register(name, hidden)
            self.hidden[relation] = name

    def copies(self, relation: tuple[str, str]) -> bool:
        return relation not in self.excluded

    def select(self, relation: tuple[str, str]) -> str:
        source = f"{_ident(relation[0])}.{_ident(relation[1])}"
        if relation in self.hidden:
            keys = self.table_rules[relation].line_columns + self.table_rules[relation].dimension_columns
            match = " and ".join(f"s.{_ident(c)} is not distinct from h.{_ident(c)}" for c in keys)
            return f"select s.* from {source} s anti join {self.hidden[relation]} h on {match}"
        if relation in self.small_cells:
            return f"select * from {source} where not ({self.under_k(relation)})"
        if relation not in RESPONDENT_LEVEL or self.protection is None:
            return f"select * from {source}"
        columns = [self._column(relation, name, kind) for name, kind in self.columns[relation].items()]
        columns = [column for column in columns if column]
        if relation == RESPONDENTS:
            columns.append(f"r.{_ident(SUPPRESSED_LIST_COLUMN)}")
        if relation == OPEN_ANSWERS:
            columns.append(f"case when regexp_matches(f.answer_text, '{_SCRUB_PLACEHOLDERS}') "
                           "then 'contact_details_removed' else 'no_contact_details_found' end "
                           f"as {SCRUB_STATUS_COLUMN}")
        return (f"select {', '.join(columns)} from {source} f "
                f"inner join {_RELEASED} r on f.respondent_key = r.respondent_key")

    @property
    def dropped_columns(self) -> list[str]:
        columns = self.columns.get(RESPONDENTS, {})
        return [q.detail_column for q in self.rules.quasi_identifiers
                if q.detail_column in columns and q.source_column in columns]

    def _column(self, relation: tuple[str, str], name: str, kind: str) -> str | None:
        rules, quoted = self.rules, _ident(name)
        for q in rules.quasi_identifiers:
            if name == q.detail_column and relation == RESPONDENTS:
                # replaced in place by its coarse value when the mart has no column for it (region)
                if q.source_column in self.columns[relation]:
                    return None
                return f"r.{_ident(q.name)} as {_ident(q.name)}"
        hiding = [q for q in rules.suppressible
                  if q.source_table == "fct_respondent" and name in (q.source_column, *q.linked_columns)]
        if hiding:
            return f"case when {' or '.join(_flag(q) for q in hiding)} then null else f.{quoted} end as {quoted}"
        if relation == ANSWERS and name in ("harmonised_code", "answer_status"):
            return self._answer(name, kind)
        return f"f.{quoted}"

    def _answer(self, name: str, kind: str) -> str:
        """The answer rows of a quasi-identifier: suppressed with it, coarsened like it."""
        carried = [q for q in self.rules.suppressible if q.answer_question_id]
        hidden = " or ".join(f"(f.question_id = {_literal(q.answer_question_id)} and {_flag(q)})" for q in carried)
        if name == "answer_status":
            return f"case when {hidden or 'false'} then '{SUPPRESSED_STATUS}' else f.answer_status end as answer_status"
        coarse = " ".join(
            f"when f.question_id = {_literal(q.answer_question_id)} and f.answer_status = 'valid' "
            f"then cast(r.{_ident(q.name)} as {kind})"
            for q in self.rules.quasi_identifiers if q.coarsening and q.source_table == "fct_answer")
        return f"case when {hidden or 'false'} then null {coarse} else f.harmonised_code end as harmonised_code"


def verify(con: duckdb.DuckDBPyConnection, alias: str, plan: Plan) -> PrivacyReport:
    """Count the combinations in the snapshot as written (not in the frame that made it): the
    smallest must hold k records, or PrivacyNotReached and nothing is published."""
    rules, protection = plan.rules, plan.protection
    k_reached, waves, combinations, with_suppression = None, 0, 0, 0
    if protection is not None:
        k_reached, waves, combinations, with_suppression = con.execute(_count_sql(alias, rules)).fetchone()
        if k_reached is not None and k_reached < rules.k:
            raise PrivacyNotReached(
                f"the snapshot would hold a combination of quasi-identifiers shared by only {k_reached} "
                f"respondent-waves (k = {rules.k}); not published")
    report = PrivacyReport(
        k_required=rules.k, k_reached=k_reached, respondent_waves=int(waves or 0), combinations=int(combinations or 0),
        coarsened=dict(protection.coarsened) if protection else {},
        suppressed=dict(protection.suppressed) if protection else {},
        records_with_suppression=int(with_suppression or 0),
        unmapped_municipalities=sum(protection.unmapped_municipalities.values()) if protection else 0,
        under_k_detail=protection.under_k_detail if protection else 0,
        unique_detail=protection.unique_detail if protection else 0,
        under_k_coarsened=protection.under_k_coarsened if protection else 0,
        unique_coarsened=protection.unique_coarsened if protection else 0,
        dropped_columns=[f"marts.fct_respondent.{c}" for c in plan.dropped_columns],
        excluded_tables=[f"{s}.{t}" for s, t in plan.excluded],
        groups_left_out=list(protection.unprotectable) if protection else [],
        small_cells={f"{s}.{t}": _count(con, _ident(s), _ident(t)) - _count(con, alias, _ident(s), _ident(t))
                     for s, t in plan.small_cells})
    _write_report(con, alias, rules, report, plan)
    _comment_added_columns(con, alias, plan)
    return report


def _comment_added_columns(con: duckdb.DuckDBPyConnection, alias: str, plan: Plan) -> None:
    """The columns the snapshot has and the warehouse has not get their own comment (the
    warehouse's comments are copied for the rest): a coarse value in place of a dropped detail
    column, the list of suppressed quasi-identifiers and the open answers' scrub status."""
    added = {(RESPONDENTS, SUPPRESSED_LIST_COLUMN):
             "The quasi-identifiers set to NULL in this respondent-wave so that every combination of them counts "
             "at least k respondent-waves (comma-separated, see main.snapshot_privacy); NULL when none.",
             (OPEN_ANSWERS, SCRUB_STATUS_COLUMN):
             "contact_details_removed when the text held contact details that were replaced by placeholders, "
             "else no_contact_details_found."}
    for q in plan.rules.quasi_identifiers:
        if q.detail_column and q.source_column not in plan.columns.get(RESPONDENTS, {}):
            added[(RESPONDENTS, q.name)] = (
                f"{q.name}: {q.detail_column} coarsened for privacy ({q.coarsening or 'as the seed declares'}; "
                "seeds/privacy/snapshot_quasi_identifiers.csv); NULL where suppressed (see main.snapshot_privacy).")
    present = {(schema, table, column) for schema, table, column in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where database_name = ?",
        [alias]).fetchall()}
    for ((schema, table), column), comment in added.items():
        if (schema, table, column) in present:
            con.execute(f"comment on column {alias}.{_ident(schema)}.{_ident(table)}.{_ident(column)} is "
                        f"{_literal(comment)}")


def _count_sql(alias: str, rules: Rules) -> str:
    respondent = [f"f.{_ident(q.name)}" for q in rules.quasi_identifiers if q.source_table == "fct_respondent"]
    answered = [q for q in rules.quasi_identifiers if q.source_table == "fct_answer"]
    pivot = ", ".join(f"max(harmonised_code) filter (where question_id = {_literal(q.source_column)} "
                      f"and answer_status = 'valid') as {_ident(q.name)}" for q in answered)
    keys = respondent + [f"a.{_ident(q.name)}" for q in answered] + [f"f.{_ident(SUPPRESSED_LIST_COLUMN)}"]
    answers = (f"left join (select respondent_key, {pivot} from {alias}.marts.fct_answer group by respondent_key) a "
               "on f.respondent_key = a.respondent_key") if answered else ""
    return (f"select min(n), sum(n), count(*), sum(n) filter (where suppressed) from ("
            f"select count(*) as n, bool_or(f.{_ident(SUPPRESSED_LIST_COLUMN)} is not null) as suppressed "
            f"from {alias}.marts.fct_respondent f {answers} group by {', '.join(keys)})")


def _write_report(con: duckdb.DuckDBPyConnection, alias: str, rules: Rules, report: PrivacyReport,
                  plan: Plan) -> None:
    """main.snapshot_privacy: what was done to which quasi-identifier and table, and the k reached."""
    rows = []
    for q in rules.quasi_identifiers:
        treatment = ("partition, never suppressed" if q.partition else f"suppressed in order {q.suppression_order}")
        if q.coarsening == "municipality_regions":
            treatment = f"municipality -> province (seed municipality_regions); {treatment}"
        elif q.coarsening == "rare_to_other":
            treatment = f"codes under {q.rare_below} per meting -> {q.other_value}; {treatment}"
        elif q.detail_column:
            treatment = f"{q.detail_column} dropped; {treatment}"
        rows.append([q.name, "quasi_identifier", treatment, report.coarsened.get(q.name, 0),
                     report.suppressed.get(q.name, 0), None])
    rows += [[column, "column_dropped", "detail kept in the warehouse only", None, None, None]
             for column in report.dropped_columns]
    for s, t in plan.excluded:
        why = (f"free text: copied only with {OPEN_ANSWERS_ENV}=1" if (s, t) == OPEN_ANSWERS
               else f"record-level ({', '.join(c for c in PERSON_KEYS if c in plan.columns[(s, t)])}): "
                    "left out, the warehouse keeps it")
        rows.append([f"{s}.{t}", "table_excluded", why, None, None, None])
    left_out_groups = plan.protection.left_out if plan.protection else {}
    rows += [[group, "group_left_out", "fewer than k respondent-waves: no suppression can protect them, so their "
              "records are left out of fct_respondent and fct_answer (the warehouse keeps them)", None, None, size]
             for group, size in sorted(left_out_groups.items())]
    for name, left_out in report.small_cells.items():
        rule = plan.table_rules[tuple(name.split(".", 1))]
        complements = (f", and the smallest lines beside them per {', '.join(rule.dimension_columns)} until no "
                       "subtraction gives them back" if rule.dimension_columns else "")
        rows.append([name, SMALL_CELLS, f"rows whose {', '.join(rule.count_columns)} is under k left out"
                     f"{complements} (the warehouse keeps them)", None, None, left_out])
    rows += [[f"{s}.{t}", NO_SMALL_CELLS, "copied whole: no counts of respondents per line", None, None, None]
             for (s, t), rule in plan.table_rules.items() if rule.rule == NO_SMALL_CELLS]
    con.execute(f"create table {alias}.main.{PRIVACY_TABLE} (item varchar, kind varchar, treatment varchar, "
                "values_coarsened bigint, values_suppressed bigint, rows_left_out bigint, k_required integer, "
                "k_reached bigint, respondent_waves bigint, respondent_waves_unique_before bigint, "
                "respondent_waves_under_k_before bigint)")
    # every table of the snapshot says what it is, this one too
    con.execute(f"comment on table {alias}.main.{PRIVACY_TABLE} is '{PRIVACY_COMMENT}'")
    con.executemany(f"insert into {alias}.main.{PRIVACY_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[*row, report.k_required, report.k_reached, report.respondent_waves,
                      report.unique_detail, report.under_k_detail] for row in rows])


def _respondents(con: duckdb.DuckDBPyConnection, rules: Rules, columns: dict) -> pd.DataFrame:
    """One row per respondent-wave with every column the quasi-identifiers are made from, in the
    order of respondent_key (the suppression breaks ties in row order: the same warehouse, the
    same snapshot)."""
    available = columns[RESPONDENTS]
    wanted = []
    for q in rules.quasi_identifiers:
        if q.source_table == "fct_respondent":
            wanted += [c for c in (q.source_column, q.detail_column) if c in available and c not in wanted]
            if q.source_column not in available and q.detail_column not in available:
                raise PrivacyNotReached(f"marts.fct_respondent has no column {q.source_column} "
                                        f"(quasi-identifier {q.name}, seeds/privacy/snapshot_quasi_identifiers.csv)")
    select = ", ".join(f"f.{_ident(c)}" for c in wanted)
    answered = [q for q in rules.quasi_identifiers if q.source_table == "fct_answer"]
    if not answered:
        return con.execute(f"select f.respondent_key, {select} from marts.fct_respondent f order by f.respondent_key").df()
    pivot = ", ".join(f"max(harmonised_code) filter (where question_id = {_literal(q.source_column)} "
                      f"and answer_status = 'valid') as {_ident(q.source_column)}" for q in answered)
    questions = ", ".join(_literal(q.source_column) for q in answered)
    return con.execute(
        f"select f.respondent_key, {select}, {', '.join(f'a.{_ident(q.source_column)}' for q in answered)} "
        f"from marts.fct_respondent f left join (select respondent_key, {pivot} from marts.fct_answer "
        f"where question_id in ({questions}) group by respondent_key) a on f.respondent_key = a.respondent_key "
        "order by f.respondent_key").df()


def hidden_lines(con: duckdb.DuckDBPyConnection, relation: tuple[str, str], rule: TableRule,
                 k: int) -> pd.DataFrame:
    """The lines of a breakdown table left out of the snapshot. First every line with a count
    under k; then, per dimension, the lines that differ only in it (the genders within a group,
    whose total the coarser breakdown prints) must together hide none or at least k respondents
    in every count column, else the hidden lines could be recomputed by subtraction: the smallest
    printed line that adds to the short count is left out too, over every dimension until nothing
    changes. A NULL count adds nothing (a line without a base). Lines are read in the order of
    their keys, which breaks ties between equally small complements: the same warehouse always
    leaves out the same lines."""
    keys = list(rule.line_columns + rule.dimension_columns)
    counts = list(rule.count_columns)
    frame = con.execute(f"select {', '.join(_ident(c) for c in keys)}, "
                        f"{', '.join(f'min({_ident(c)}) as {_ident(c)}' for c in counts)} "
                        f"from {_ident(relation[0])}.{_ident(relation[1])} group by all order by all").df()
    values = frame[counts].to_numpy(dtype=float)  # NaN: no count, never judged (NaN < k is false)
    has_count = ~np.isnan(values)
    added = np.nan_to_num(values)  # what a line adds to a hidden total: a NULL count adds nothing
    hidden = (values < k).any(axis=1)
    # the order in which a line is picked as a complement: its smallest count first, lines
    # without a count last, ties in the order of the keys (the query's)
    smallest = np.where(has_count, values, np.inf).min(axis=1)
    changed = bool(hidden.any())
    while changed:
        changed = False
        for dimension in rule.dimension_columns:
            inside = np.flatnonzero(frame[dimension].notna().to_numpy())
            siblings = frame.iloc[inside].groupby([c for c in keys if c != dimension], dropna=False,
                                                  sort=False).ngroup().to_numpy()
            sums = np.zeros((siblings.max() + 1 if len(siblings) else 0, len(counts)))
            np.add.at(sums, siblings, np.where(hidden[inside, None], added[inside], 0.0))
            short = ((sums > 0) & (sums < k)).any(axis=1)
            if not short.any():
                continue
            # each short set of siblings, its lines in the order of the keys
            in_short = np.flatnonzero(short[siblings])
            by_set = np.argsort(siblings[in_short], kind="stable")
            lines = inside[in_short][by_set]
            bounds = np.flatnonzero(np.diff(siblings[in_short][by_set])) + 1
            for members in np.split(lines, bounds):
                changed |= _hide_complements(members, added, has_count, smallest, hidden, k)
    return frame.loc[hidden, keys]


def _hide_complements(members: np.ndarray, added: np.ndarray, has_count: np.ndarray, smallest: np.ndarray,
                      hidden: np.ndarray, k: int) -> bool:
    """One set of sibling lines (their rows in `added`): hide the smallest printed lines until
    every count column's hidden total is 0 or at least k (or nothing is left to hide)."""
    order = members[np.argsort(smallest[members], kind="stable")]
    changed = False
    while True:
        totals = np.where(hidden[members, None], added[members], 0.0).sum(axis=0)
        short = (totals > 0) & (totals < k)
        helper = next((line for line in order if not hidden[line] and has_count[line, short].any()), None)
        if not short.any() or helper is None:
            return changed
        hidden[helper], changed = True, True


def _table_rules(columns: dict[tuple[str, str], dict[str, str]], rules: Rules) -> dict[tuple[str, str], TableRule]:
    """Each table's rule from the seed, or PrivacyNotReached naming every table the seed leaves
    unprotected or describes wrongly: nothing is published until all are fixed."""
    found, problems = {}, []
    for (schema, table), names in columns.items():
        name, rule = f"{schema}.{table}", rules.tables.get(f"{schema}.{table}")
        keys = [c for c in PERSON_KEYS if c in names]
        if rule is None:
            if keys:
                problems.append(f"{name}: record-level ({', '.join(keys)}) without a rule")
            elif any(_COUNT_LIKE.search(c) for c in names):
                problems.append(f"{name}: an aggregate with count-like columns "
                                f"({', '.join(c for c in names if _COUNT_LIKE.search(c))}) without a rule")
            continue
        if keys and rule.rule not in _HANDLED and rule.rule != "excluded":
            problems.append(f"{name}: record-level ({', '.join(keys)}) but declared {rule.rule}")
        elif (schema, table) not in _HANDLED.get(rule.rule, ((schema, table),)):
            problems.append(f"{name}: declared {rule.rule}, which orchestration/publish/anonymise.py "
                            "does not implement for it")
        missing = [c for c in rule.count_columns + rule.line_columns + rule.dimension_columns if c not in names]
        if missing:
            problems.append(f"{name}: column(s) {', '.join(missing)} of its rule not in the table")
        found[(schema, table)] = rule
    if problems:
        raise PrivacyNotReached(f"seeds/privacy/{TABLE_SEED}: {'; '.join(problems)}. Declare each table's rule "
                                "(small_cells with its count columns, no_small_cells, or a record-level rule) "
                                "before it can be published")
    return found


def _count(con: duckdb.DuckDBPyConnection, *name: str) -> int:
    return con.execute(f"select count(*) from {'.'.join(name)}").fetchone()[0]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    return dict(con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = current_database() "
        "and table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall())


def _flag(q: QuasiIdentifier) -> str:
    return f"r.{_ident('suppressed__' + q.name)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
