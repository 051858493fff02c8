"""Citations by sentence id: passages shown as numbered sentences, claims checked in context.

Why ids and not quotes: a model copying a quote per citation spends most of its generation on
it, and a re-worded quote cannot be found. Every sentence shown to the model has an id, the
answer's markers (``[4]``) and its ``citations`` field are sentence ids — an ``enum`` of exactly
the ids shown, so a constrained model cannot cite anything else — and the quote the user sees
*is* the cited sentence(s): ``passage.text[a:b]``, verbatim at its character span by
construction.

Each claim is then judged against its cited sentence *in context* (``agent.answer.support.judge``). What
the check cannot confirm is never shown as a cited fact, and never silently thrown away either:
an answer none of whose claims check out gets status ``unverified`` and is shown marked ("The
model's answer, not confirmed by the sources: …") beside the closest sentence. ``not_in_sources``
stays for declines: the model said so, or it cited no sentence and no shown sentence has any
word of its claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.answer.declines import NOT_ANSWERED_TEXT, is_decline
from agent.answer.estimates import ESTIMATE_PREFIX
from agent.answer.fit import asked_kind, holds_kind, misfit, older_figure
from agent.answer.markers import MARKER, marker_numbers, strip_markers
from agent.answer.support import Judgement, adds, judge, terms
from agent.text.fence import attribute, neutralise
from agent.text.sentences import Sentence, chunk_sentences, sentence_spans
from agent.types import Answer, AnswerStatus, Citation, Passage
from agent.untrusted import defang, defang_sentence, tainted_spans

UNVERIFIED_PREFIX = "The model's answer, not confirmed by the sources: "
#: Shown before a reply whose claims the sources state but which does not answer the question.
NOT_AN_ANSWER_PREFIX = "The model's reply does not answer the question ({reason}): "
_STATUS_WORDS = frozenset({"answered", "partial", "not_in_sources", "unverified"})


@dataclass(frozen=True)
class Shown:
    """One sentence shown to the model: its id, its passage (index) and its index there."""

    id: int
    passage: int
    index: int


class Evidence:
    """The passages of one question, segmented and numbered: what the model sees and cites.

    ``keep`` (per passage, the indices of its sentences to show; ``agent.answer.focus``) shows
    only those; ids number the shown sentences, so the model can cite nothing else. Support is
    still judged against each passage's whole text.
    """

    def __init__(self, passages: Sequence[Passage], keep: Sequence[Sequence[int]] | None = None) -> None:
        self.passages = list(passages)
        self.sentences: list[list[Sentence]] = [chunk_sentences(p.text, p.sentences) for p in self.passages]
        self.shown: list[Shown] = []
        for pi, sents in enumerate(self.sentences):
            for si in range(len(sents)) if keep is None else sorted(set(keep[pi])):
                self.shown.append(Shown(len(self.shown) + 1, pi, si))
        self.by_id = {s.id: s for s in self.shown}
        self._id_at = {(s.passage, s.index): s.id for s in self.shown}

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.shown]

    def sentence_id(self, passage: int, index: int) -> int | None:
        """The id of sentence ``index`` of ``passage``, None when it is not shown."""
        return self._id_at.get((passage, index))

    def text_of(self, sid: int) -> str:
        s = self.by_id[sid]
        sent = self.sentences[s.passage][s.index]
        return self.passages[s.passage].text[sent.start : sent.end]

    def format(self) -> str:
        """The fenced passages with one ``[id]`` per shown sentence, a blank line between
        paragraphs and "…" where sentences are left out (dates included, so the model can tell
        this week's figure from last month's). Passages of one article share one fence, in the
        article's order; a passage with no shown sentence is left out."""
        by_article: dict[str, list[int]] = {}
        for pi, p in enumerate(self.passages):
            if any(s.passage == pi for s in self.shown):
                by_article.setdefault(p.article_id, []).append(pi)
        blocks = []
        for group in by_article.values():
            group.sort(key=lambda pi: self.passages[pi].start)
            first = self.passages[group[0]]
            # titles and feed names can carry attacks
            attrs = [f'title="{attribute(defang(first.title), collapse_space=False)}"']
            if first.source:
                attrs.append(f'source="{attribute(defang(first.source), collapse_space=False)}"')
            attrs.append(f'date="{first.published.date().isoformat() if first.published else "unknown"}"')
            lines: list[str] = []
            end: int | None = None  # article offset where the last shown sentence ended
            para: tuple[int, int] | None = None
            for pi in group:
                p = self.passages[pi]
                tainted = tainted_spans(p.text)
                for s in (s for s in self.shown if s.passage == pi):
                    sent = self.sentences[pi][s.index]
                    if end is not None:
                        adjacent = (pi, s.index - 1) in self._id_at or p.start + sent.start - end <= 2
                        if not adjacent:
                            lines.append("…")
                        elif (pi, sent.paragraph) != para:
                            lines.append("")
                    end, para = p.start + sent.end, (pi, sent.paragraph)
                    body = " ".join(defang_sentence(p.text, sent.start, sent.end, tainted).split())
                    lines.append(f"[{s.id}] {neutralise(body, 'passage')}")
            blocks.append(f"<passage {' '.join(attrs)}>\n" + "\n".join(lines) + "\n</passage>")
        return "\n\n".join(blocks)

    def citation(self, n: int, passage: int, lo: int, hi: int) -> Citation:
        """The article's own text of sentences ``lo..hi`` of ``passage``, numbered ``n``."""
        p = self.passages[passage]
        sents = self.sentences[passage]
        a, b = sents[lo].start, sents[hi].end
        return Citation(
            n=n,
            article_id=p.article_id,
            title=p.title,
            url=p.url,
            source=p.source,
            published=p.published,
            quote=p.text[a:b],
            start=p.start + a,
            end=p.start + b,
            chunk_id=p.chunk_id,
            sentence_ids=[i for j in range(lo, hi + 1) if (i := self.sentence_id(passage, j)) is not None],
        )

    def judge(self, claim: str, question: str, sid: int) -> Judgement:
        s = self.by_id[sid]
        p = self.passages[s.passage]
        return judge(claim, question, s.index, self.sentences[s.passage], p.text, p.title)

    def closest(
        self, claim: str, question: str, prefer: Sequence[int] = (), among: Sequence[int] | None = None
    ) -> int | None:
        """The shown sentence (of ``among``, default all) sharing the most content words with the
        claim (then with the question); a sentence the model cited wins a tie. None when no
        sentence shares any."""
        want, asked = terms(claim), terms(question)
        best: tuple[int, int, int] | None = None
        best_id: int | None = None
        for s in self.shown if among is None else [self.by_id[i] for i in among]:
            got = terms(self.text_of(s.id))
            score = (len(want & got), len(asked & got), int(s.id in prefer))
            if score[0] + score[1] and (best is None or score > best):
                best, best_id = score, s.id
        return best_id


# At most this many cited ids: a claim needs one or two sentences, and without a cap a small
# model may count on through the ids until the token limit cuts its reply mid-JSON.
MAX_CITED_SENTENCES = 4
#: The statuses the model may give; ``unverified`` is the verifier's, never the model's.
MODEL_STATUSES = ("answered", "partial", "not_in_sources")


def answer_schema(ids: Sequence[int]) -> dict[str, Any]:
    """The model's output: ``answer`` first (it streams), then ``status``, then the ids of the
    sentences it cites — an ``enum`` of exactly the ids shown, at most ``MAX_CITED_SENTENCES``."""
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "status": {"type": "string", "enum": list(MODEL_STATUSES)},
            "citations": {
                "type": "array",
                "items": {"type": "integer", "enum": list(ids)},
                "maxItems": MAX_CITED_SENTENCES,
            },
        },
        "required": ["answer", "status", "citations"],
        "additionalProperties": False,
    }


def _ids(values: Any, evidence: Evidence) -> list[int]:
    out: list[int] = []
    for v in values if isinstance(values, list) else []:
        if isinstance(v, Mapping):  # {"sentence": 4} from a lenient server
            v = v.get("sentence", v.get("id"))
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if n in evidence.by_id and n not in out:
            out.append(n)
    return out


_LEADING_MARKERS = re.compile(r"^(?:\s*\[[^\[\]]{1,30}\])+")


def _split_claims(text: str, evidence: Evidence, listed: list[int]) -> list[_Claim]:
    """The answer's sentences (the package's segmenter: "the U.S. Congress" is not cut) with
    the ids of their markers; a marker opening a sentence ("… in May. [3] Then …") belongs to
    the sentence before; a sentence without a valid marker gets the ``citations`` list."""
    claims: list[_Claim] = []
    for a, b in sentence_spans(text):
        piece = text[a:b]
        lead = _LEADING_MARKERS.match(piece)
        if lead and claims:
            claims[-1].ids.extend(_valid(lead.group(), evidence, claims[-1].ids))
            piece = piece[lead.end() :]
        ids = _valid(piece, evidence, [])
        claim = strip_markers(piece).strip()
        if claim and claim not in _STATUS_WORDS:
            claims.append(_Claim(claim, ids))
    for c in claims:
        if not c.ids:
            c.ids = list(listed)
    return claims


def _valid(piece: str, evidence: Evidence, have: list[int]) -> list[int]:
    out: list[int] = []
    for m in MARKER.finditer(piece):
        for n in marker_numbers(m.group("nums")):
            if n in evidence.by_id and n not in have and n not in out:
                out.append(n)
    return out


@dataclass
class _Claim:
    text: str
    ids: list[int]
    support: tuple[int, int, int, int] | None = None  # (passage, lo, hi, cited id)


@dataclass
class _Reply:
    """Builds the ``Answer`` to one question: what every outcome of ``verify`` shares."""

    question: str
    n_passages: int
    model: str

    def __call__(
        self,
        text: str,
        status: AnswerStatus,
        citations: list[Citation] | None = None,
        unsupported: list[str] | None = None,
        closest: Citation | None = None,
    ) -> Answer:
        return Answer(
            question=self.question,
            text=text,
            status=status,
            citations=citations or [],
            unsupported=unsupported or [],
            closest=closest,
            passages_considered=self.n_passages,
            model=self.model,
        )


def _closest_citation(evidence: Evidence, near: int | None) -> Citation | None:
    """The shown sentence ``near`` as an unnumbered citation (shown beside an unconfirmed claim)."""
    if near is None:
        return None
    s = evidence.by_id[near]
    return evidence.citation(0, s.passage, s.index, s.index)


def _support_by_ids(c: _Claim, evidence: Evidence, question: str) -> tuple[int, int, int, int] | None:
    """The first of the claim's own ids whose sentence supports it in context."""
    for sid in c.ids:
        j = evidence.judge(c.text, question, sid)
        if j.supported and j.span is not None:
            return (evidence.by_id[sid].passage, j.span[0], j.span[1], sid)
    return None


def _support_nearby(c: _Claim, evidence: Evidence, question: str) -> tuple[int, int, int, int] | None:
    """Another shown sentence that supports the claim: of a passage it cited first, nearest to a
    cited id first, then the other passages.

    The model reads ids off the prompt and may miss by a few ("Wisconsin" for "What state does
    Paul Ryan represent?" citing another passage's sentence while "Paul Ryan of Wisconsin" was
    shown). Support is judged exactly as for the id it gave.
    """
    cited_passages = {evidence.by_id[i].passage for i in c.ids}
    nearby = sorted(
        (s for s in evidence.shown if s.id not in c.ids),
        key=lambda s: (s.passage not in cited_passages, min(abs(s.id - i) for i in c.ids)),
    )
    for s in nearby:
        j = evidence.judge(c.text, question, s.id)
        if j.supported and j.span is not None:
            return (s.passage, j.span[0], j.span[1], s.id)
    return None


def _support_uncited(c: _Claim, evidence: Evidence, question: str) -> tuple[int, int, int, int] | None:
    """A claim the model cited nothing for: the shown sentence that supports it, judged exactly
    as a cited one, tried in order of the content words it shares with the claim."""
    want = terms(c.text) - terms(question)
    ranked = sorted(
        (s for s in evidence.shown if want & terms(evidence.text_of(s.id))),
        key=lambda s: (-len(want & terms(evidence.text_of(s.id))), s.id),
    )
    for s in ranked:
        j = evidence.judge(c.text, question, s.id)
        if j.supported and j.span is not None:
            return (s.passage, j.span[0], j.span[1], s.id)
    return None


def _older_figure(c: _Claim, evidence: Evidence, question: str) -> bool:
    """The claim's figure is one its cited text places earlier, while another shown sentence
    gives the figure the question's "now" asks for (``agent.answer.fit.older_figure``)."""
    if c.support is None:
        return False
    passage, lo, hi, _ = c.support
    sents = evidence.sentences[passage]
    text = evidence.passages[passage].text
    cited = text[sents[lo].start : sents[hi].end]
    others = [
        evidence.text_of(s.id) for s in evidence.shown if not (s.passage == passage and lo <= s.index <= hi)
    ]
    return older_figure(question, c.text, cited, others)


def _find_support(claims: list[_Claim], evidence: Evidence, question: str, look_up: bool = True) -> None:
    """Set each claim's ``support``: its own ids first, then a nearby sentence; a claim that
    cites nothing, the shown sentence that supports it (when ``look_up``).

    A decline ("The articles do not say how long it lasted.") is about the sources, not the
    world: never a cited fact, even when a sentence shares its words ("the strike lasted …").
    A claim with no word of its own beyond the question ("Yes.") is never moved to another
    sentence, since almost any sentence about the question would "support" it.
    """
    for c in claims:
        if is_decline(c.text):
            continue
        c.support = _support_by_ids(c, evidence, question)
        if c.support is None and adds(c.text, question):
            if c.ids:
                c.support = _support_nearby(c, evidence, question)
            elif look_up:
                c.support = _support_uncited(c, evidence, question)
        if _older_figure(c, evidence, question):
            c.support = None


def _not_an_answer(verified: list[_Claim], question: str) -> str | None:
    """Why the confirmed claims together do not answer the question (``agent.answer.fit``):
    none of them holds the kind of thing asked for. None when one does, or none is confirmed."""
    reasons = [misfit(question, c.text) for c in verified]
    return reasons[0] if reasons and all(reasons) else None


def _off_question_answer(
    reply: _Reply, verified: list[_Claim], said: str, question: str, evidence: Evidence, reason: str
) -> Answer:
    """Stated by the sources but not an answer: never shown as a cited answer. Beside it, the
    shown sentence that holds what was asked and shares the most words with the question."""
    kind = asked_kind(question)
    fitting = [s.id for s in evidence.shown if kind is not None and holds_kind(evidence.text_of(s.id), kind)]
    near = evidence.closest(question, question, prefer=[], among=fitting) if fitting else None
    return reply(
        NOT_AN_ANSWER_PREFIX.format(reason=reason) + said,
        "unverified",
        unsupported=[c.text for c in verified],
        closest=_closest_citation(evidence, near),
    )


def _estimate_answer(
    reply: _Reply, guesses: list[_Claim], said: str, question: str, evidence: Evidence
) -> Answer:
    """A duration question's unconfirmed guess: shown under ``ESTIMATE_PREFIX``, ``unverified``."""
    prefer = [i for c in guesses for i in c.ids]
    near = prefer[0] if prefer else evidence.closest(said, question)
    guess = " ".join(_sentence(c.text) for c in guesses)
    return reply(
        ESTIMATE_PREFIX + guess,
        "unverified",
        unsupported=[c.text for c in guesses],
        closest=_closest_citation(evidence, near),
    )


def _unconfirmed_answer(
    reply: _Reply,
    claims: list[_Claim],
    said: str,
    question: str,
    evidence: Evidence,
    model_status: str,
    unverified: list[str],
) -> Answer:
    """No claim confirmed: a decline (``not_in_sources``) or the model's text marked unverified."""
    if model_status == "not_in_sources" or is_decline(said):
        # The model said the passages do not answer, and nothing it cited says otherwise.
        shown = said if is_decline(said) else NOT_ANSWERED_TEXT
        return reply(shown, "not_in_sources", unsupported=[] if is_decline(said) else unverified)
    prefer = [i for c in claims for i in c.ids]
    near = evidence.closest(said, question, prefer)
    own = terms(said) - terms(question)
    cited_any = bool(prefer)
    if not cited_any and (near is None or not own & terms(evidence.text_of(near))):
        # No sentence cited, and no shown sentence has a word of the claim beyond the
        # question's: nothing here says this. A decline, not an answer to show.
        return reply(NOT_ANSWERED_TEXT, "not_in_sources", unsupported=unverified)
    closest = _closest_citation(evidence, near)
    return reply(UNVERIFIED_PREFIX + said, "unverified", unsupported=unverified, closest=closest)


def _cited_text(
    claims: list[_Claim], missing: set[str], guesses: list[_Claim], evidence: Evidence
) -> tuple[str, list[Citation]]:
    """The answer rewritten with its supporting spans numbered in order of first use."""
    numbers: dict[tuple[int, int, int], int] = {}
    citations: list[Citation] = []
    for c in claims:
        if c.support is None:
            continue
        key = c.support[:3]
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(evidence.citation(numbers[key], *key))
    out: list[str] = []
    for c in claims:
        if c.support is None:
            if c.text in missing:
                out.append(_sentence(c.text))
            continue
        body = re.sub(r"([.!?]*)$", "", c.text).rstrip()
        end = c.text[len(body) :].strip() or "."
        out.append(f"{body} [{numbers[c.support[:3]]}]{end}")
    if guesses:  # what is cited stands; the estimate beside it stays marked as one
        out.append(ESTIMATE_PREFIX + " ".join(_sentence(c.text) for c in guesses))
    return " ".join(out), citations


def verify(
    question: str,
    output: Mapping[str, Any],
    evidence: Evidence,
    *,
    model: str = "",
    estimate: bool = False,
) -> Answer:
    """The model's ``{"answer", "status", "citations": [ids]}`` → a verified ``Answer``.

    Claims are the answer's sentences; a claim's ids are its ``[id]`` markers, or (unmarked) the
    ``citations`` list. A claim is kept as cited when one of its ids — or, if none does, another
    sentence of the passages it cited — supports it in context; its quote is those sentences.

    ``estimate`` (a duration question, ``agent.answer.estimates``): the model was allowed a best guess,
    so an unconfirmed claim is shown under ``ESTIMATE_PREFIX`` — never as a cited fact, never
    dropped — and a decline sentence beside the guess is not read as the answer.
    """
    text = str(output.get("answer") or "").strip()
    model_status = str(output.get("status") or "answered")
    reply = _Reply(question, len(evidence.passages), model)
    claims = _split_claims(text, evidence, _ids(output.get("citations"), evidence))
    cited_any = any(c.ids for c in claims)
    said = strip_markers(text)
    if not claims or not cited_any and is_decline(said):
        return reply(said if is_decline(said) else NOT_ANSWERED_TEXT, "not_in_sources")

    # An uncited claim is looked up among the shown sentences, unless the model itself said
    # the passages do not answer (its uncited guess is then a decline).
    _find_support(claims, evidence, question, look_up=model_status != "not_in_sources")
    verified = [c for c in claims if c.support is not None]
    reason = _not_an_answer(verified, question)
    if reason:
        return _off_question_answer(reply, verified, said, question, evidence, reason)
    # "The articles do not say when." beside a cited claim says what is missing: it is kept
    # in the text uncited (it claims nothing about the world), never listed as unverified.
    missing = {c.text for c in claims if c.support is None and is_decline(c.text)}
    unverified = [c.text for c in claims if c.support is None and c.text not in missing]
    guesses = [c for c in claims if c.support is None and not is_decline(c.text)] if estimate else []
    if not verified and guesses:
        return _estimate_answer(reply, guesses, said, question, evidence)
    if not verified:
        return _unconfirmed_answer(reply, claims, said, question, evidence, model_status, unverified)

    new_text, citations = _cited_text(claims, missing, guesses, evidence)
    unsure = unverified or missing or model_status in ("partial", "not_in_sources")
    status: AnswerStatus = "partial" if unsure else "answered"
    return reply(new_text, status, citations, unverified)


def _sentence(text: str) -> str:
    """``text`` ending like a sentence."""
    return text if text[-1:] in ".!?" else text + "."
