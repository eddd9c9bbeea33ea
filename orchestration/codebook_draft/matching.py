"""Matching a new export's variables to the codebook's questions, and its codes to harmonised codes.

Like retroharmonize's crosswalk tables and IPUMS's variable and value translation tables, the
result is one row per source variable and one per source code, each with the evidence it rests
on. The order of the passes is what keeps it from guessing:

1. A variable whose question text equals an earlier wording of exactly one question (after
   `normalise`) and whose answer labels are that question's answer labels is matched.
2. The questions left over (a question is asked once per export) are compared by similarity:
   difflib's ratio on the whole text (cydifflib's: the same algorithm, compiled), or an overlap
   of words weighted by how rare each word is in the codebook ("leerbaarheidstoets" says more
   than "hoe tevreden bent u"), whichever is higher. The best must be close enough (AUTO),
   confirmed by the answer labels and clearly ahead (MARGIN) of every other question whose answer
   labels fit too; otherwise the candidates are listed for a person. A question another variable
   is matched to is not matched again, but still competes: a variable it fits as well as or
   better than any question left is listed with both, never moved onto its runner-up. Two
   variables on one question are both listed, and that claim takes the question from no one.
3. Codes are matched by their labels: the answer set's `label_nl`, then the reviewed synonyms;
   a label only similar to one is proposed, never taken.
A person's decision (review.py) replaces step 1-2 for a variable, or the label match for a code.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from cydifflib import SequenceMatcher

from orchestration.codebook_draft.dictionary import ExportVariable
from orchestration.codebook_draft.reference import Reference, Wording
from orchestration.landing.labels import normalise

AUTO = 0.80  # similarity at which a re-worded question may be matched without a person
MARGIN = 0.10  # how far ahead of the next question the best must be
POSSIBLE = 0.60  # below this no question is proposed: the variable is new
CONTAINED = 0.9  # what one wording found whole inside the other counts
LABEL_AUTO = 0.75  # similarity at which a re-worded answer label is proposed (still reviewed)
CODED = ("categorical", "multi_response_option")
# which kinds of export variable can hold a question of each uncoded value type
UNCODED_KINDS = {"integer": {"numeric"}, "date": {"date", "timestamp", "text", "numeric"},
                 "text": {"text", "timestamp", "date"}}


@dataclass
class CodeMatch:
    source_code: int
    label: str  # the export's value label ('' when the code is used without one)
    harmonised_code: int | None
    missing_type: str = ""
    how: str = ""  # label_nl | synonym of meting <m> | similar label | decided | unmatched | unlabelled
    score: float = 1.0
    needs_review: bool = False
    codebook_label: str = ""


@dataclass
class Candidate:
    question_id: str
    score: float
    wording: Wording
    answers: str = ""  # what the answer labels say about it
    confirmed: bool = True


@dataclass
class VariableMatch:
    variable: ExportVariable
    status: str  # matched | ambiguous | uncertain | answers_differ | new
    question_id: str | None = None
    how: str = ""  # exact | reworded | decided
    confidence: float = 0.0
    evidence: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    codes: list[CodeMatch] = field(default_factory=list)
    scale: str | None = None  # as is | reversed | renumbered (coded variables)
    coding_changed: bool = False  # against the previous meting of this questionnaire

    @property
    def resolved(self) -> bool:
        return self.status == "matched" and not any(code.needs_review for code in self.codes)


class Similarity:
    """Question texts compared in the codebook's own vocabulary."""

    def __init__(self, texts: list[str]) -> None:
        documents = [set(text.split()) for text in texts]
        frequency = Counter(word for words in documents for word in words)
        self._total = max(len(documents), 1)
        self._weight = {word: math.log(1 + self._total / count) for word, count in frequency.items()}
        # a draft compares each text left over with every wording, again on every pass
        self._known: dict[tuple[str, str], float] = {}

    def weight(self, word: str) -> float:
        return self._weight.get(word, math.log(1 + self._total))

    def __call__(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        known = self._known.get((a, b))
        if known is None:
            known = self._known[(a, b)] = self._score(a, b)
        return known

    def _score(self, a: str, b: str) -> float:
        words_a, words_b = set(a.split()), set(b.split())
        weight_a, weight_b = sum(map(self.weight, words_a)), sum(map(self.weight, words_b))
        shared = sum(map(self.weight, words_a & words_b))
        overlap = 2 * shared / (weight_a + weight_b) if weight_a + weight_b else 0.0
        # one wording inside the other ("... vinden" and "... vinden (hiermee bedoelen we ...)"),
        # discounted, and only for texts long enough that a few words cannot make it
        shorter = min((weight_a, words_a), (weight_b, words_b), key=lambda pair: pair[0])
        contained = CONTAINED * shared / shorter[0] if len(shorter[1]) >= 4 and shorter[0] else 0.0
        words = max(overlap, contained)
        # difflib's ratio only when it can win: its cheap upper bounds decide most pairs
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        if matcher.real_quick_ratio() <= words or matcher.quick_ratio() <= words:
            return words
        return max(matcher.ratio(), words)


def match_variables(variables: list[ExportVariable], reference: Reference,
                    decided: dict[str, str] | None = None,
                    decided_codes: dict[tuple[str, int], int] | None = None) -> list[VariableMatch]:
    """One VariableMatch per export variable, in export order."""
    decided, decided_codes = decided or {}, decided_codes or {}
    similarity = Similarity([w.text for wordings in reference.wordings.values() for w in wordings])
    matches: dict[str, VariableMatch] = {}
    for variable in variables:  # decisions and exact texts first: they claim their questions
        if variable.name in decided:
            matches[variable.name] = _decided(variable, decided[variable.name], reference)
        else:
            exact = _exact(variable, reference)
            if exact is not None:
                matches[variable.name] = exact
    # by similarity, against the questions no match has claimed, until nothing more is claimed;
    # a claim refused (two variables on one question) claims nothing
    settled = set(matches)
    _refuse_double_claims(matches)
    while True:
        claimed = {m.question_id: m.variable.name for m in matches.values() if m.status == "matched"}
        for variable in variables:
            if variable.name not in settled:
                matches[variable.name] = _similar(variable, reference, similarity, claimed)
        _refuse_double_claims(matches)
        newly = {m.variable.name for m in matches.values() if m.status == "matched"} - settled
        if not newly:
            break
        settled |= newly
    for match in matches.values():
        if match.question_id is not None and match.status in ("matched", "answers_differ"):
            _codes(match, reference, decided_codes)
    return [matches[variable.name] for variable in variables]


def _decided(variable: ExportVariable, question_id: str, reference: Reference) -> VariableMatch:
    if question_id not in reference.codebook.questions.index:
        return VariableMatch(variable, "new", evidence=f"decided question {question_id!r} is not in questions.csv")
    return VariableMatch(variable, "matched", question_id, "decided", 1.0, "decided in the review")


def _exact(variable: ExportVariable, reference: Reference) -> VariableMatch | None:
    text = normalise(variable.label)
    if not text:
        return None
    found = [Candidate(qid, 1.0, w) for qid, wordings in reference.wordings.items()
             for w in wordings if w.text == text]
    found = _distinct(found)
    if not found:
        return None
    for candidate in found:
        _confirm(candidate, variable, reference)
    confirmed = [c for c in found if c.confirmed]
    if len(confirmed) == 1:
        best = confirmed[0]
        others = [c.question_id for c in found if c is not best]
        evidence = f"same text as {best.wording.source}; {best.answers}"
        if others:
            evidence += f"; {', '.join(others)} has the same text but not these answers"
        return VariableMatch(variable, "matched", best.question_id, "exact", 1.0, evidence, found)
    if len(confirmed) > 1:
        return VariableMatch(variable, "ambiguous", evidence="same text and answers as several questions",
                             candidates=confirmed)
    return VariableMatch(variable, "answers_differ", evidence=f"same text as {found[0].wording.source}, but "
                         f"{found[0].answers}", candidates=found) if len(found) == 1 else \
        VariableMatch(variable, "ambiguous", evidence="same text as several questions, answers confirm none",
                      candidates=found)


def _similar(variable: ExportVariable, reference: Reference, similarity: Similarity,
             claimed: dict[str, str]) -> VariableMatch:
    """`claimed`: question -> the variable matched to it. A claimed question is not matched
    again, but one that fits this variable better than any question left still competes: the
    claim alone must not push a variable onto its runner-up."""
    text = normalise(variable.label)
    scored, taken = [], []
    for question_id, wordings in reference.wordings.items():
        if not wordings or not text:
            continue
        best = max(wordings, key=lambda w: similarity(text, w.text))
        candidate = Candidate(question_id, round(similarity(text, best.text), 3), best)
        (taken if question_id in claimed else scored).append(candidate)
    scored.sort(key=lambda c: (-c.score, c.question_id))
    top = [c for c in scored if c.score >= POSSIBLE]
    for candidate in top:
        _confirm(candidate, variable, reference)
    compatible = [c for c in top if c.confirmed]
    # claimed questions that fit at least as well as the best one left (or, for none left, at all)
    rivals = _rivals(taken, compatible[0].score if compatible else POSSIBLE, variable, reference)[:3]
    if not compatible:
        near = f"; nearest {scored[0].question_id} ({scored[0].score:.2f})" if scored else ""
        return VariableMatch(variable, "new", evidence=f"no question with similar text and answers{near}"
                             f"{_taken('close', rivals, claimed)}", candidates=rivals + top[:3])
    best = compatible[0]
    if rivals:
        return VariableMatch(variable, "ambiguous", evidence=f"{best.question_id} ({best.score:.2f}) is the closest "
                             f"question left{_taken('as close or closer', rivals, claimed)}",
                             candidates=(rivals + compatible)[:5])
    # ahead of every other question whose answers fit too: the labels are evidence of their own
    runner_up = next((c.score for c in compatible if c.question_id != best.question_id), 0.0)
    if best.score >= AUTO and best.score - runner_up >= MARGIN:
        near = _rivals(taken, best.score - MARGIN, variable, reference)
        evidence = (f"re-worded: {best.score:.2f} similar to {best.wording.source} ({best.wording.original!r}); "
                    f"next question {runner_up:.2f}{_taken('close too', near, claimed)}; {best.answers}")
        return VariableMatch(variable, "matched", best.question_id, "reworded", best.score, evidence, top[:3])
    close = [c for c in compatible if best.score - c.score < MARGIN]
    if len(close) > 1:
        return VariableMatch(variable, "ambiguous", evidence=f"{len(close)} questions about as similar",
                             candidates=close[:5])
    return VariableMatch(variable, "uncertain", evidence=f"only {best.score:.2f} similar to {best.wording.source}; "
                         "new, or a re-wording?", candidates=top[:3])


def _rivals(taken: list[Candidate], above: float, variable: ExportVariable,
            reference: Reference) -> list[Candidate]:
    """Claimed questions scoring `above` or more whose answers fit this variable too, best first."""
    rivals = sorted((c for c in taken if c.score >= above), key=lambda c: (-c.score, c.question_id))
    for candidate in rivals:
        _confirm(candidate, variable, reference)
    return [c for c in rivals if c.confirmed]


def _taken(lead: str, rivals: list[Candidate], claimed: dict[str, str]) -> str:
    return "".join(f"; {lead}: {c.question_id} ({c.score:.2f}), {claimed[c.question_id]}'s match" for c in rivals)


def _distinct(candidates: list[Candidate]) -> list[Candidate]:
    seen, kept = set(), []
    for candidate in candidates:
        if candidate.question_id not in seen:
            seen.add(candidate.question_id)
            kept.append(candidate)
    return kept


def _confirm(candidate: Candidate, variable: ExportVariable, reference: Reference) -> None:
    """Do the export's answers fit the question? Sets candidate.confirmed and .answers."""
    question = reference.question(candidate.question_id)
    if question["value_type"] in CODED:
        if variable.kind != "labelled":
            candidate.confirmed, candidate.answers = False, f"{question['value_type']} question, but no value labels"
            return
        known = reference.answer_labels.get(question["answer_set_id"], {})
        labels = [normalise(label) for label in variable.value_labels.values()]
        agree = sum(label in known for label in labels)
        candidate.confirmed = agree == len(labels) or (agree >= len(labels) / 2 and agree >= 2)
        candidate.answers = f"{agree} of {len(labels)} answer labels are {question['answer_set_id']}'s"
        return
    allowed = UNCODED_KINDS.get(question["value_type"], {"text"})
    candidate.confirmed = variable.kind in allowed
    candidate.answers = f"{question['value_type']} question, {variable.kind} variable"


def _refuse_double_claims(matches: dict[str, VariableMatch]) -> None:
    """Two variables matched to one question, even by decision: neither is taken (an export
    asks a question once; staging would get the column twice)."""
    by_question: dict[str, list[VariableMatch]] = {}
    for match in matches.values():
        if match.status == "matched":
            by_question.setdefault(match.question_id, []).append(match)
    for question_id, claims in by_question.items():
        if len(claims) > 1:
            names = ", ".join(c.variable.name for c in claims)
            for claim in claims:
                claim.status, claim.how = "ambiguous", ""
                claim.evidence = f"{names} all match {question_id}: {claim.evidence}"


def _codes(match: VariableMatch, reference: Reference, decided_codes: dict[tuple[str, int], int]) -> None:
    question = reference.question(match.question_id)
    if question["value_type"] not in CODED:
        return
    answer_set = question["answer_set_id"]
    known = reference.answer_labels.get(answer_set, {})
    own = reference.harmonised_labels(answer_set)
    name = match.variable.name
    for code, label in sorted(match.variable.value_labels.items()):
        match.codes.append(_code(name, code, label, known, own, decided_codes))
    for code in match.variable.unlabelled_codes:
        if (name, code) in decided_codes and decided_codes[(name, code)] in own:
            target = own[decided_codes[(name, code)]]
            match.codes.append(CodeMatch(code, "", target.code, target.missing_type, "decided",
                                         codebook_label=target.label))
        else:
            match.codes.append(CodeMatch(code, "", None, how="unlabelled", score=0.0, needs_review=True))
    targets = Counter(c.harmonised_code for c in match.codes if c.harmonised_code is not None)
    for code in match.codes:
        if targets[code.harmonised_code] > 1 and code.how != "decided":
            code.needs_review, code.how = True, f"{code.how}; another source code has the same harmonised code"
    _classify_scale(match, reference)


def _code(name: str, code: int, label: str, known: dict, own: dict, decided_codes: dict) -> CodeMatch:
    if (name, code) in decided_codes:
        target = own.get(decided_codes[(name, code)])
        if target is None:
            return CodeMatch(code, label, None, how="decided code not in the answer set", score=0.0,
                             needs_review=True)
        return CodeMatch(code, label, target.code, target.missing_type, "decided", codebook_label=target.label)
    entry = known.get(normalise(label))
    if entry is not None:
        return CodeMatch(code, label, entry.code, entry.missing_type, entry.via, codebook_label=entry.label)
    scored = sorted(((SequenceMatcher(None, normalise(label), normalise(t.label)).ratio(), t) for t in own.values()),
                    key=lambda pair: -pair[0])
    if scored and scored[0][0] >= LABEL_AUTO and (len(scored) == 1 or scored[0][0] - scored[1][0] >= MARGIN):
        score, target = scored[0]
        return CodeMatch(code, label, target.code, target.missing_type, "similar label", round(score, 3), True,
                         target.label)
    return CodeMatch(code, label, None, how="unmatched", score=0.0, needs_review=True)


def _classify_scale(match: VariableMatch, reference: Reference) -> None:
    mapped = [c for c in match.codes if c.harmonised_code is not None]
    if not mapped or len(mapped) < len(match.codes):
        return  # a code still to decide: the layout is not known yet
    if all(c.source_code == c.harmonised_code for c in mapped):
        match.scale = "as is"
    elif _reversed(sorted((c.source_code, c.harmonised_code) for c in mapped if not c.missing_type)):
        match.scale = "reversed"
    else:
        match.scale = "renumbered"
    before = reference.previous_codes.get(match.question_id)
    now = {c.source_code: c.harmonised_code for c in mapped}
    match.coding_changed = before is not None and before != now


def _reversed(pairs: list[tuple[int, int]]) -> bool:
    """The answer set's first k >= 3 codes in reverse order, and any other answer ("niet van
    toepassing", "anders") after them in its own order: 1..5 -> 5..1 with 7 -> 7 is reversed,
    the alphabetical 1 -> 3, 2 -> 2, 3 -> 1, 4 -> 5, 5 -> 4 is only renumbered."""
    for k in range(max((h for _, h in pairs), default=0), 2, -1):
        scale = [(s, h) for s, h in pairs if h <= k]
        rest = [(s, h) for s, h in pairs if h > k]
        if sorted(h for _, h in scale) != list(range(1, k + 1)):
            continue
        descending = all(a[1] > b[1] for a, b in zip(scale, scale[1:]))
        after = all(s > scale[-1][0] for s, _ in rest) and all(a[1] < b[1] for a, b in zip(rest, rest[1:]))
        if descending and after:
            return True
    return False
