"""The respondents of one meting and their background: who answered which questionnaire,
their permit, gender, age, leerroute and PIP date, language, recruitment and timing.

Sizes and mixes follow Tabellen 2.9-2.12 (the sample columns); see params.yaml for the rest.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from orchestration.reference import parse_value
from orchestration.synthetic.allocation import Margin, allocate, fit_joint
from orchestration.synthetic.context import Context, cell_frame
from orchestration.synthetic.labels import subgroup
from orchestration.synthetic.report_mapping import cohort_rule, group_by_permit

LANGUAGE_CODES = {"nl": 1, "en": 2, "ar": 3, "tr": 4, "ti": 5}
AGE_BANDS = {"18-21": (18, 21), "22-30": (22, 30), "31-45": (31, 45), "46-76": (46, 76)}


def sample_sizes(ctx: Context, meting: int) -> dict[str, int]:
    exported = {questionnaire for m, questionnaire in ctx.codebook.exports() if m == meting}
    return {q: max(1, int(round(n * ctx.scale))) for q, n in ctx.per_meting("sample_sizes", meting).items()
            if q in exported}


def _tokens(ctx: Context, meting: int, n: int) -> list[str]:
    """Pseudonymous tokens: 64 random bits, unique within the meting."""
    rng = ctx.rng("tokens", meting)
    values = np.unique(rng.integers(0, 2**63, size=n + 16, dtype=np.int64))
    rng.shuffle(values)
    if len(values) < n:
        raise RuntimeError("token collision beyond repair; use another seed")
    return [f"{v:016x}" for v in values[:n]]


def base_frame(ctx: Context, meting: int) -> pd.DataFrame:
    sizes = sample_sizes(ctx, meting)
    questionnaire = np.repeat(list(sizes), list(sizes.values()))
    frame = pd.DataFrame({"questionnaire": questionnaire})
    frame["meting"] = meting
    frame["respondent_token"] = _tokens(ctx, meting, len(frame))
    return frame


def _population_margins(ctx: Context, key: str, codes_by_label: dict[str, int], frame: pd.DataFrame) -> list[Margin]:
    """Sample counts of a population table (2.10-2.12) as shares of the group's sample in
    Tabel 2.9 (Wi2013: the respondents who stated that permit); what the table does not count
    stays unnamed and is filled in by the caller."""
    table = ctx.tables[key]
    sizes = {subgroup(label)["group_label"]: parse_value(values[2]) for label, values in ctx.tables["T2.9"].rows
             if subgroup(label) and parse_value(values[2])}
    counts: dict[str, dict[int, float]] = {}
    for label, values in table.rows:
        group_text, _, category = label.partition("|")
        where = subgroup(group_text)
        code = codes_by_label.get(category.strip())
        count = parse_value(values[2])
        if where and code is not None and count is not None:
            counts.setdefault(where["group_label"], {})[code] = count
    margins = []
    for group, by_code in counts.items():
        size = float(sizes.get(group, 0))
        if size:
            shares = tuple((frozenset({code}), 100 * count / size) for code, count in by_code.items())
            margins.append(Margin({"group_label": group}, shares, None, f"{key} sample"))
    return margins


def _allocate_codes(ctx: Context, frame: pd.DataFrame, codes: list[int], margins: list[Margin], purpose: str,
                    mask: np.ndarray | None = None) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool) if mask is None else mask
    cells = cell_frame(frame)[mask]
    fit = fit_joint(cells, codes, margins)
    result = pd.Series(np.nan, index=frame.index)
    result[mask] = allocate(cells, fit, ctx.rng(purpose, int(frame["meting"].iloc[0])))
    return result


def add_permit(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    """Control question on the residence permit: mismatches as the report counts them
    (design.control_question); Wi2013 respondents without a stated permit get no group."""
    rng = ctx.rng("permit", meting)
    permit = np.where(frame["questionnaire"].str.endswith("asiel"), 1.0, 2.0)
    sizes_2024 = ctx.params["sample_sizes"][2024]
    for questionnaire, count in ctx.params["permit_mismatch"].items():
        members = np.flatnonzero(frame["questionnaire"] == questionnaire)
        wanted = int(round(count * len(members) / (sizes_2024[questionnaire] * ctx.scale)))
        chosen = rng.choice(members, size=min(wanted, len(members)), replace=False)
        permit[chosen] = 2.0 if questionnaire.endswith("asiel") else 1.0
    for questionnaire, count in ctx.per_meting("wi2013_unknown_permit", meting).items():
        members = np.flatnonzero(frame["questionnaire"] == questionnaire)
        chosen = rng.choice(members, size=min(int(round(count * ctx.scale)), len(members)), replace=False)
        permit[chosen] = np.where(rng.random(len(chosen)) < 0.5, 3.0, -1.0)  # "anders" or skipped
    frame["residence_permit_type"] = permit
    wet, _, permit_types, unknown = group_by_permit()
    by_permit = frame["questionnaire"].str.startswith(wet)
    stated = pd.Series(permit).map({float(code): kind for code, kind in permit_types.items()})
    frame["reported_group"] = np.where(
        by_permit, np.where(stated.notna(), f"{wet}-" + stated.fillna(""), f"{wet}-{unknown}"), frame["questionnaire"]
    )


def add_gender(ctx: Context, frame: pd.DataFrame) -> None:
    margins = _population_margins(ctx, "T2.10", {"Mannen": 1, "Vrouwen": 2}, frame)
    # the rest of each group: 32 "anders, namelijk" against 58 who would not say (line 1095)
    margins = [
        Margin(m.where, m.shares + ((frozenset({3}), (100 - sum(v for _, v in m.shares)) * 32 / 90),), m.n, m.source)
        for m in margins
    ]
    frame["gender"] = _allocate_codes(ctx, frame, [1, 2, 3, 4], margins, "gender")


def add_age(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    bands = list(AGE_BANDS)
    margins = _population_margins(ctx, "T2.12", {band: i for i, band in enumerate(bands)}, frame)
    band_index = _allocate_codes(ctx, frame, list(range(len(bands))) + [len(bands)], margins, "age_band")
    rng = ctx.rng("age", meting)
    ages = np.full(len(frame), np.nan)
    for i, band in enumerate(bands):
        low, high = AGE_BANDS[band]
        members = np.flatnonzero(band_index == i)
        if high > 60:  # the oldest band thins out towards 76
            spread = np.minimum(rng.exponential(8.0, size=len(members)), high - low)
        else:
            spread = rng.uniform(0, high - low + 1, size=len(members))
        ages[members] = np.floor(low + spread).clip(low, high)
    frame["age"] = ages
    frame["birth_year"] = meting - ages  # unknown band: the respondent left the year open


def add_leerroute(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    """Wi2021 only: Tabel 2.11 sample counts; in 2023 the route mix of Figuur 2.13's 2023 facts."""
    codes = {"B1-route": 1, "O-route": 2, "Z-route": 3}
    margins = _population_margins(ctx, "T2.11", codes, frame)
    if meting == 2023:
        shifted = {"Wi2021-asiel": {1: 76, 2: 19, 3: 5}, "Wi2021-gezin": {1: 87, 2: 4, 3: 9}}  # meting2023 lines 1397-1401
        margins = [
            Margin(m.where, tuple((frozenset({c}), shifted[m.where["group_label"]][c] * sum(v for _, v in m.shares) / 100)
                                  for c in (1, 2, 3)), None, "meting2023.yaml lines 1397-1401")
            for m in margins
        ]
    wi2021 = (frame["questionnaire"].str.startswith("Wi2021")).to_numpy()
    route = _allocate_codes(ctx, frame, [1, 2, 3, 0], margins, "leerroute", wi2021)
    rng = ctx.rng("leerroute-unknown", meting)
    unknown = route == 0
    route[unknown] = np.where(rng.random(int(unknown.sum())) < 0.6, 4.0, -1.0)  # "weet ik niet" or skipped
    frame["leerroute"] = route


def add_pip_date(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    rng = ctx.rng("pip", meting)
    params = ctx.params["pip"]
    fieldwork_start = date.fromisoformat(ctx.per_meting("fieldwork", meting)["start"])
    earliest = date.fromisoformat(params["earliest"])
    cohort_2_start = date.fromisoformat(cohort_rule()[1])
    wi2021 = frame["questionnaire"].str.startswith("Wi2021").to_numpy()
    known = wi2021 & (rng.random(len(frame)) >= params["unknown_share"])
    cohort_1 = rng.random(len(frame)) < (params["cohort_1_share"].get(meting) or params["cohort_1_share"][2024])
    latest_1 = min(cohort_2_start, fieldwork_start) - timedelta(days=14)
    latest_2 = fieldwork_start - timedelta(days=14)
    days_1 = rng.integers(0, (latest_1 - earliest).days, size=len(frame))
    days_2 = rng.integers(0, max(1, (latest_2 - cohort_2_start).days), size=len(frame))
    dates = [
        (earliest + timedelta(days=int(d1)) if c1 or latest_2 < cohort_2_start else cohort_2_start + timedelta(days=int(d2)))
        if k else None
        for k, c1, d1, d2 in zip(known, cohort_1, days_1, days_2)
    ]
    frame["pip_received_date"] = dates
    cohort = [None if d is None else (1 if d < cohort_2_start else 2) for d in dates]
    frame["cohort"] = pd.array(cohort, dtype="Int64")


def add_technical(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    """Language, recruitment route, municipality and start/end timestamps within fieldwork."""
    rng = ctx.rng("technical", meting)
    params = ctx.params
    language = np.empty(len(frame), dtype=object)
    for migrant_type, mix in params["languages"].items():
        members = np.flatnonzero(frame["questionnaire"].str.endswith(migrant_type))
        language[members] = rng.choice(list(mix), size=len(members), p=np.array(list(mix.values())) / sum(mix.values()))
    frame["language"] = language
    frame["questionnaire_language"] = pd.Series(language).map(LANGUAGE_CODES).astype(float)
    share = np.where(frame.get("leerroute", pd.Series(np.nan, index=frame.index)) == 3,
                     params["recruitment"]["gemeenteroute_share_z_route"], params["recruitment"]["gemeenteroute_share"])
    frame["recruitment_route"] = np.where(rng.random(len(frame)) < share, 2.0, 1.0)
    towns = params["recruitment"]["municipalities"]
    weights = np.array(list(towns.values()), dtype=float)
    frame["municipality"] = rng.choice(list(towns), size=len(frame), p=weights / weights.sum())
    window = ctx.per_meting("fieldwork", meting)
    start = datetime.fromisoformat(window["start"]) + timedelta(hours=7)
    span = (datetime.fromisoformat(window["end"]) - datetime.fromisoformat(window["start"])).total_seconds()
    offsets = np.floor(rng.uniform(0, span - 86400, size=len(frame)))
    minutes = np.round(np.clip(rng.lognormal(np.log(24), 0.5, size=len(frame)), 6, 180))
    frame["start_time"] = [start + timedelta(seconds=float(s)) for s in offsets]
    frame["end_time"] = [t + timedelta(minutes=float(m)) for t, m in zip(frame["start_time"], minutes)]


def build_respondents(ctx: Context, meting: int) -> pd.DataFrame:
    frame = base_frame(ctx, meting)
    add_permit(ctx, frame, meting)
    add_gender(ctx, frame)
    add_age(ctx, frame, meting)
    add_leerroute(ctx, frame, meting)
    add_pip_date(ctx, frame, meting)
    add_technical(ctx, frame, meting)
    return frame
