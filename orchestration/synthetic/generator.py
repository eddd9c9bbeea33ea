"""Synthetic survey waves: respondents, routing, answers and composites for each meting,
as one harmonised frame per meting (question ids as columns, harmonised codes as values).
`exports.py` turns a frame into the per-questionnaire raw exports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.synthetic.answers import answer_question
from orchestration.synthetic.composites import generate_composite
from orchestration.synthetic.context import Context
from orchestration.synthetic.exports import Codings, build_export, write_export
from orchestration.synthetic.report_mapping import mapping
from orchestration.synthetic.respondents import build_respondents

# answered in respondents.py, before any routing
BACKGROUND = {
    "respondent_token", "start_time", "end_time", "questionnaire_language", "recruitment_route", "municipality",
    "gender", "birth_year", "residence_permit_type", "leerroute", "pip_received_date",
}


def _question_order(ctx: Context) -> list[str]:
    """Routing questions first (later questions depend on them), composites last."""
    questions = ctx.questions
    categorical = questions[questions["value_type"].isin(["categorical", "multi_response_option"])]
    flags = [rule["question"] for rules in ctx.params["routing_flags"].values() for rule in rules]
    composite_items = set(categorical[categorical["composite"] != ""]["question_id"])
    rest = [q for q in categorical["question_id"] if q not in BACKGROUND and q not in flags and q not in composite_items]
    return [q for q in flags if q in questions.index] + rest


def _multi_response_draws(ctx: Context, frame: pd.DataFrame, meting: int) -> dict[str, np.ndarray]:
    """One skip decision per multi-response question, shared by all its options."""
    groups = ctx.questions[ctx.questions["value_type"] == "multi_response_option"]["question_group"].unique()
    return {group: ctx.rng("multi-skip", meting, group).random(len(frame)) for group in groups}


def _open_text(ctx: Context, frame: pd.DataFrame, meting: int) -> None:
    params = ctx.params["open_text"]
    rng = ctx.rng("open-text", meting)
    for text_question, parent in ctx.params["open_text_parents"].items():
        answers = ctx.answers(parent)
        other_codes = answers[answers["label_nl"].str.contains("namelijk|anders", case=False)]["code"].tolist()
        chosen = frame[parent].isin(other_codes).to_numpy()
        texts = np.full(len(frame), "", dtype=object)
        for index in np.flatnonzero(chosen):
            phrases = params[frame["language"].iat[index]]
            text = phrases[rng.integers(len(phrases))]
            if rng.random() < params["contact_share"]:
                snippet = params["contact_examples"][rng.integers(len(params["contact_examples"]))]
                text += " - " + snippet.format(token=f"r{rng.integers(10**6):06d}", digits=f"{rng.integers(10**8):08d}")
            texts[index] = text
        frame[text_question] = texts


def generate_meting(ctx: Context, meting: int) -> pd.DataFrame:
    frame = build_respondents(ctx, meting)
    draws = _multi_response_draws(ctx, frame, meting)
    for question_id in _question_order(ctx):
        question = ctx.questions.loc[question_id]
        shared = draws.get(question["question_group"]) if question["value_type"] == "multi_response_option" else None
        frame[question_id] = answer_question(ctx, frame, question_id, meting, shared)
        if len(frame.columns) % 50 == 0:
            frame = frame.copy()  # one column at a time fragments the frame's blocks
    for composite in mapping()["scales"]:
        frame = frame.assign(**generate_composite(ctx, frame, composite, meting))
    _open_text(ctx, frame, meting)
    return frame.copy()


def link_panel(ctx: Context, earlier: pd.DataFrame, later: pd.DataFrame) -> int:
    """Part of the later Wi2021 respondents answered the earlier wave too: they take over the
    token of an earlier respondent of the same questionnaire, gender and birth year."""
    rng = ctx.rng("panel")
    share = ctx.params["panel_share_2024"]
    # the three matching columns only: a row of the whole frame is hundreds of answers
    matching = ["questionnaire", "gender", "birth_year"]
    pool: dict[tuple, list[int]] = {}
    wi2021 = earlier["questionnaire"].str.startswith("Wi2021")
    for index, *key in earlier.loc[wi2021, matching].itertuples(name=None):
        pool.setdefault(tuple(key), []).append(index)
    candidates = np.flatnonzero(later["questionnaire"].str.startswith("Wi2021").to_numpy())
    chosen = rng.choice(candidates, size=int(round(share * len(candidates))), replace=False)
    later_keys = list(later[matching].itertuples(index=False, name=None))
    linked = 0
    for index in np.sort(chosen):
        key = later_keys[index]
        if pool.get(key):
            earlier_index = pool[key].pop()
            later.iat[index, later.columns.get_loc("respondent_token")] = earlier.at[earlier_index, "respondent_token"]
            linked += 1
    return linked


def generate_waves(seed: int = 2024, scale: float = 1.0, metingen: tuple[int, ...] = (2023, 2024),
                   ctx: Context | None = None) -> dict[int, pd.DataFrame]:
    ctx = ctx or Context.create(seed, scale)
    frames: dict[int, pd.DataFrame] = {}
    # 2024 first: its printed Ns set the answer rates that 2023 reuses
    for meting in sorted(metingen, key=lambda m: (m != 2024, m)):
        frames[meting] = generate_meting(ctx, meting)
    if 2023 in frames and 2024 in frames:
        frames[2024].attrs["panel_linked"] = link_panel(ctx, frames[2023], frames[2024])
    return dict(sorted(frames.items()))


def generate(out_dir: Path, seed: int = 2024, scale: float = 1.0, fmt: str = "sav",
             metingen: tuple[int, ...] = (2023, 2024)) -> list[Path]:
    """Write one export per meting x questionnaire into `out_dir`; returns the files."""
    return generate_forms({fmt: out_dir}, seed, scale, metingen)[fmt]


def generate_forms(out_dirs: Mapping[str, Path], seed: int = 2024, scale: float = 1.0,
                   metingen: tuple[int, ...] = (2023, 2024)) -> dict[str, list[Path]]:
    """One generation written in several forms, each into its folder ({"sav": ..., "csv": ...}):
    the files a generation per form would write, for the cost of one."""
    ctx = Context.create(seed, scale)
    frames = generate_waves(ctx=ctx, metingen=metingen)
    paths: dict[str, list[Path]] = {fmt: [] for fmt in out_dirs}
    codings = Codings(ctx.codebook)  # shared by all exports
    for meting, frame in frames.items():
        # the file says when it was exported: the day after fieldwork closed, not the wall clock
        created = datetime.fromisoformat(ctx.per_meting("fieldwork", meting)["end"]) + timedelta(days=1, hours=9)
        for questionnaire in sorted(frame["questionnaire"].unique()):
            export = build_export(ctx.codebook, frame, meting, questionnaire, seed, codings)
            for fmt, out_dir in out_dirs.items():
                paths[fmt].append(write_export(export, out_dir, fmt, created))
    return paths
