"""Who is asked a question: the codebook's `universe_rule`, evaluated on respondents.

Rules are SQL-like booleans over a fixed vocabulary (codebook README): wet, migrant_type,
cohort, leerroute and routing flags derived from earlier answers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_KEYWORDS = {"AND": "and", "OR": "or", "NOT": "not", "IN": "in"}


def to_python(rule: str) -> str:
    """"wet = 'Wi2021' AND NOT started_course" -> "wet == 'Wi2021' and not started_course"."""
    expression = re.sub(r"(?<![<>!=])=(?!=)", "==", rule)
    expression = expression.replace("<>", "!=")
    return re.sub(r"\b(AND|OR|NOT|IN)\b", lambda m: _KEYWORDS[m.group(1)], expression)


def routing_flags(frame: pd.DataFrame, flags: dict[str, dict]) -> pd.DataFrame:
    """Boolean flags from answers already given (params.yaml routing_flags)."""
    result = pd.DataFrame(index=frame.index)
    for name, rules in flags.items():
        flag = np.zeros(len(frame), dtype=bool)
        for rule in rules:
            column = frame.get(rule["question"])
            if column is not None:
                flag |= column.isin(rule["codes"]).to_numpy()
        result[name] = flag
    return result


def asked(frame: pd.DataFrame, cells: pd.DataFrame, rule: str, flags: dict[str, dict]) -> np.ndarray:
    """Whether each respondent of `frame` is asked; `cells` are its cell labels (cell_frame)."""
    if not rule.strip():
        return np.ones(len(frame), dtype=bool)
    return asked_in_scope(rule_scope(frame, cells, flags), rule)


def rule_scope(frame: pd.DataFrame, cells: pd.DataFrame, flags: dict[str, dict]) -> pd.DataFrame:
    """What universe rules read of each respondent: the cell labels and the routing flags."""
    scope = cells.join(routing_flags(frame, flags))
    scope["cohort"] = scope["cohort"].astype(float) if "cohort" in scope else np.nan
    return scope


def asked_in_scope(scope: pd.DataFrame, rule: str) -> np.ndarray:
    """`asked` for a non-empty rule, evaluated on a rule_scope (which it leaves unchanged)."""
    try:
        result = scope.eval(to_python(rule), engine="python")
    except Exception as exc:
        raise ValueError(f"universe rule {rule!r} cannot be evaluated: {exc}") from exc
    return np.asarray(pd.Series(result, index=scope.index).fillna(False), dtype=bool)
