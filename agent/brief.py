"""Multi-article briefings: select → summarise (cached) → group into storylines → write.

Why sentences can only cite note ids: the writer never sees raw articles, only numbered notes
(``S1``, ``S2`` ...) that are already-verified key points and figures from the article summaries,
and the JSON schema makes ``sources`` an enum of exactly those ids. So every sentence that
survives cites quotes that were verified against their article; a sentence left without a valid
id is dropped (and counted).

Numbers are checked too: a sentence (or a disagreement claim) may only state numbers that the
notes it cites contain (their text, quotes, article title or date); one that states any other
number is dropped like an uncited sentence, because the schema cannot stop a small model from
writing "312 homes evacuated" while citing notes that never say 312.

Disagreements are found deterministically first (two articles report figures for the same
measure — similar ``what`` by embedding — with different numbers, each figure in at most one
pair, and not when the later article itself states the earlier number, i.e. revises it), then
the model phrases them, citing both sides; a candidate the model fumbles is phrased from the
figures themselves. Conflicting claims that are not numbers (a different place, date, winner)
are found per storyline first without the model — the same sentence in two articles with a
different name or number in the same place (``agent.sentence_pairs``) — then by the model,
choosing pairs of notes by id from different articles.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel

from agent.errors import InvalidArgumentError, NewsAgentError, NoArticlesError
from agent.prompting import load_prompt
from agent.sentence_pairs import make_disagreement, minimal_pair, sentence_pair_conflicts
from agent.settings import Settings
from agent.storylines import cluster
from agent.summarize import (
    ModelOrFactory,
    Note,
    _arr,
    _obj,
    _str,
    cited_schema,
    fit_notes,
    note_messages,
    notes_budget,
    resolve_sources,
    summarize_article,
    summary_notes,
)
from agent.text.mentions import DATE, MONTHS
from agent.text.numbers import amount, has_value, parse_amount, stated_numbers, values_in
from agent.types import (
    Article,
    ArticleSummary,
    Briefing,
    BriefingArticle,
    BriefingSection,
    BriefingSentence,
    Citation,
    Disagreement,
    DisagreementClaim,
    KeyFigure,
)
from agent.usage import records_usage

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

STORY_THRESHOLD = 0.45  # cosine (MiniLM) above which two summaries are the same storyline
MEASURE_THRESHOLD = 0.7  # cosine above which two figures' "what" describe the same measure
WRITE_MAX_TOKENS = 700
MAX_CONFLICTS = 5
MAX_CLAIM_CONFLICTS = 3  # non-numeric conflicting claims per briefing (model-found, so few)
SMALL_ORDINAL = 31  # "the 5th", "21st": days of a month or ranks, never checked against notes


# --- selecting ---------------------------------------------------------------------------------


def _window_text(since: datetime | None, until: datetime | None, source: str | None) -> str:
    parts = []
    if since and until:
        parts.append(f"published between {since.date().isoformat()} and {until.date().isoformat()}")
    elif since:
        parts.append(f"published since {since.date().isoformat()}")
    elif until:
        parts.append(f"published until {until.date().isoformat()}")
    if source:
        parts.append(f"from source {source!r}")
    return " ".join(parts)


def no_articles_error(
    topic: str | None, since: datetime | None, until: datetime | None, source: str | None
) -> NoArticlesError:
    where = _window_text(since, until, source)
    what = f"no articles about {topic!r}" if topic else "no articles"
    fixes = []
    if topic:
        fixes.append("try another topic")
    if since or until:
        fixes.append("widen --since/--until")
    if source:
        fixes.append("drop --source")
    fixes.append("ingest more (agent ingest PATH|URL)")
    return NoArticlesError(f"{what}{' ' + where if where else ' in the index'}; {', '.join(fixes)}")


def _unique_articles(passages: Sequence[Any], limit: int) -> list[str]:
    """Article ids in order of their best-ranked passage."""
    ids: list[str] = []
    for p in passages:
        if p.article_id not in ids:
            ids.append(p.article_id)
        if len(ids) >= limit:
            break
    return ids


def select_articles(
    store: Any,
    retriever: Any,
    *,
    topic: str | None,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    max_articles: int,
) -> list[Article]:
    """Topic → hybrid retrieval grouped to unique articles by best rank; no topic → the newest
    articles in the window. Raises ``NoArticlesError`` when nothing matches."""
    if max_articles < 1:
        raise InvalidArgumentError(f"max_articles must be at least 1, got {max_articles}")
    if topic and topic.strip():
        wide = retriever
        if hasattr(retriever, "settings"):
            # Retrieval normally fits passages to the answer prompt's budget; a briefing wants
            # enough passages to find several articles, so lift that budget on a shallow copy.
            wide = copy.copy(retriever)
            wide.settings = retriever.settings.model_copy(update={"context_tokens": 10**9})
        passages = wide.retrieve(
            topic.strip(), k=max(4 * max_articles, 12), source=source, since=since, until=until
        )
        ids = _unique_articles(passages, max_articles)
        articles = [store.get_article(i) for i in ids]
    else:
        articles = store.list_articles(source=source, since=since, until=until, limit=max_articles)
    if not articles:
        raise no_articles_error(topic, since, until, source)
    return list(articles)


# --- grouping ----------------------------------------------------------------------------------


def _embed(embedder: Any, texts: list[str]) -> np.ndarray:
    v = np.asarray(embedder.embed(texts), dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.asarray(v / np.where(norms == 0, 1, norms), dtype=np.float32)


def group_storylines(
    summaries: Sequence[ArticleSummary], embedder: Any, threshold: float = STORY_THRESHOLD
) -> list[list[int]]:
    """Indices of ``summaries`` grouped by storyline (embedding of headline + summary)."""
    if len(summaries) < 2:
        return [list(range(len(summaries)))] if summaries else []
    texts = [f"{s.headline}. {s.summary}" for s in summaries]
    return cluster(_embed(embedder, texts), threshold)


# --- disagreements -----------------------------------------------------------------------------

def _unit_class(f: KeyFigure) -> str:
    v = f"{f.value} {f.unit}".lower()
    if "%" in v or "percent" in v or "per cent" in v:
        return "percent"
    if re.search(r"[$€£¥]|usd|eur|gbp|dollar|euro|pound|yuan|rouble|ruble|yen", v):
        return "money"
    if "times" in v:
        return "multiple"
    return "count"


def _ts(d: datetime | None) -> float | None:
    if d is None:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()


def _verified_text(s: ArticleSummary) -> str:
    """What a summary shows of its article verbatim: the quotes its items cite."""
    return "\n".join(c.quote for c in s.citations())


def _states_number(value: str, text: str) -> bool:
    """Whether ``text`` states the (first) number of a figure ``value``, compared by value:
    "230 homes" in "from the initial 230 to 312"; "$240 billion" in "240bn"."""
    found = amount(value)
    if found is None:
        return False
    raw, scaled = found
    have = values_in([text])
    return has_value(have, raw) or has_value(have, scaled)


def find_conflicts(
    summaries: Sequence[ArticleSummary],
    embedder: Any,
    threshold: float = MEASURE_THRESHOLD,
    *,
    texts: Mapping[str, str] | None = None,
) -> list[tuple[KeyFigure, str, KeyFigure, str]]:
    """Pairs of verified figures from different articles that measure the same thing (similar
    ``what`` + same kind of unit) but differ by more than 1%: (fig_a, article_a, fig_b, article_b).

    - Each figure takes part in at most one conflict: candidates are taken greedily, most
      similar first (else "230 homes evacuated" could pair with "82 homes" as well as with 312).
    - Not a conflict when the later-published article itself states the earlier figure's number
      ("raised from the initial 230 to 312"): it revises the figure, it does not contradict it.
      ``texts`` maps article id → article text for that check; an article missing from it is
      searched in its summary's verified quotes. Articles without dates are never revisions.
    """
    figs: list[tuple[KeyFigure, ArticleSummary]] = [
        (f, s) for s in summaries for f in s.key_figures if not f.flagged and f.citations
    ]
    if len(figs) < 2 or len({s.article_id for _, s in figs}) < 2:
        return []
    texts = texts or {}
    vecs = _embed(embedder, [f"{f.what} {f.unit}".strip() for f, _ in figs])
    sim = vecs @ vecs.T
    candidates: list[tuple[float, int, int]] = []
    for i in range(len(figs)):
        for j in range(i + 1, len(figs)):
            (fa, sa), (fb, sb) = figs[i], figs[j]
            if sa.article_id == sb.article_id or sim[i, j] < threshold:
                continue
            if _unit_class(fa) != _unit_class(fb):
                continue
            va, vb = parse_amount(fa.value), parse_amount(fb.value)
            if va is None or vb is None or abs(va - vb) <= 0.01 * max(abs(va), abs(vb)):
                continue
            ta, tb = _ts(sa.published), _ts(sb.published)
            if ta is not None and tb is not None and ta != tb:
                (early, _), (_, late) = (figs[i], figs[j]) if ta < tb else (figs[j], figs[i])
                if _states_number(early.value, texts.get(late.article_id) or _verified_text(late)):
                    continue  # the later article revises the earlier figure
            candidates.append((float(sim[i, j]), i, j))
    candidates.sort(key=lambda c: -c[0])  # stable: ties keep selection order
    used: set[int] = set()
    said: set[tuple[str, str, float, float]] = set()  # the same two numbers, reported once
    out: list[tuple[KeyFigure, str, KeyFigure, str]] = []
    for _, i, j in candidates:
        if i in used or j in used:
            continue
        (fa, sa), (fb, sb) = figs[i], figs[j]
        key = (sa.article_id, sb.article_id, parse_amount(fa.value) or 0.0, parse_amount(fb.value) or 0.0)
        if key in said:
            continue
        used |= {i, j}
        said.add(key)
        out.append((fa, sa.article_id, fb, sb.article_id))
        if len(out) >= MAX_CONFLICTS:
            break
    return out


# --- numbers a sentence may state ----------------------------------------------------------------

def _mask_dates(text: str, dates: set[date]) -> str:
    """``text`` with every date that is one of ``dates`` ("March 5", "5 March 2026",
    "2026-03-05") blanked out: a note's own date may be stated without being in its text."""

    def same(m: re.Match[str]) -> bool:
        g = m.groups()
        y: int | None
        if g[6]:
            y, mo, d = int(g[6]), int(g[7]), int(g[8])
        else:
            name, day, year = (g[0], g[1], g[2]) if g[0] else (g[4], g[3], g[5])
            y, mo, d = (int(year) if year else None), MONTHS.index(name[:3].lower()) + 1, int(day)
        return any(x.month == mo and x.day == d and (y is None or x.year == y) for x in dates)

    return DATE.sub(lambda m: " " * len(m.group()) if same(m) else m.group(), text)


def unsupported_numbers(text: str, notes: Sequence[Note]) -> list[str]:
    """The numbers ``text`` states that none of ``notes`` contains (compared by value, in the
    note's text, its quotes, its article's title or date); empty when every number is supported.

    Spelled-out numbers in ``text`` are not checked; nor are small ordinals ("the 5th") and the
    cited notes' own dates ("on March 5" citing a note dated 2026-03-05) and years."""
    cites = [c for n in notes for c in n.citations]
    dates = {c.published.date() for c in cites if c.published}
    support = values_in([n.text for n in notes] + [c.quote for c in cites] + [c.title for c in cites])
    support = sorted(set(support) | {float(d.year) for d in dates})
    bad = []
    for token, raw, scaled, ordinal in stated_numbers(_mask_dates(text, dates)):
        if ordinal and raw <= SMALL_ORDINAL:
            continue
        if not (has_value(support, raw) or has_value(support, scaled)):
            bad.append(token)
    return bad


# --- writing -----------------------------------------------------------------------------------


def _cited_notes(sources: Any, by_id: Mapping[str, Note]) -> list[Note]:
    ids = dict.fromkeys(str(s).strip() for s in (sources or []))
    return [by_id[i] for i in ids if i in by_id]


def resolve_sentences(raw: Any, notes: Sequence[Note]) -> tuple[list[BriefingSentence], int]:
    """Sentences with citations from their valid note ids; dropped (and counted): a sentence
    without one, and a sentence stating a number that none of its cited notes contains."""
    by_id = {n.id: n for n in notes}
    kept: list[BriefingSentence] = []
    dropped = 0
    for item in raw or []:
        if not isinstance(item, dict):
            dropped += 1
            continue
        text = " ".join(str(item.get("text") or "").split())
        cites = resolve_sources(item.get("sources"), by_id)
        if not (text and cites):
            dropped += 1
            continue
        bad = unsupported_numbers(text, _cited_notes(item.get("sources"), by_id))
        if bad:
            log.info("dropped a briefing sentence stating %s, which its notes do not: %r", bad, text)
            dropped += 1
            continue
        kept.append(BriefingSentence(text=text, citations=cites))
    return kept, dropped


def _write_section(
    model: BaseChatModel, notes: list[Note], n_articles: int
) -> tuple[str, list[BriefingSentence], int]:
    from agent.models.structured import structured_call

    hi = max(2, min(5, len(notes)))
    schema = _obj({"heading": _str(), "sentences": _arr(cited_schema([n.id for n in notes]), 1, hi)})
    task = (
        f"The notes above come from {n_articles} article(s) about one storyline. Write this "
        f"storyline's section of a news briefing: a heading of at most 8 words and 1 to {hi} "
        "short sentences (at most 30 words each, in your own words: do not copy the notes) covering "
        "the most important facts, each sentence citing the ids of the notes that support it. "
        "State only numbers that the cited notes contain."
    )
    raw = structured_call(model, note_messages(notes, task), schema, max_tokens=WRITE_MAX_TOKENS)
    sentences, dropped = resolve_sentences(raw.get("sentences"), notes)
    return " ".join(str(raw.get("heading") or "").split()), sentences, dropped


def _write_overview(
    model: BaseChatModel, notes: list[Note], topic: str | None
) -> tuple[str, list[BriefingSentence], int]:
    from agent.models.structured import structured_call

    lo, hi = min(3, len(notes)), 5
    schema = _obj({"title": _str(), "overview": _arr(cited_schema([n.id for n in notes]), lo, hi)})
    about = f" about {topic!r}" if topic else ""
    task = (
        f"Write the title (at most 10 words) of a news briefing{about} covering these notes, and an "
        f"overview of {lo} to {hi} short sentences (at most 30 words each, in your own words: do not "
        "copy the notes) giving the most important developments across all the articles, each "
        "sentence citing the ids of the notes that support it. State only numbers that the cited "
        "notes contain."
    )
    raw = structured_call(model, note_messages(notes, task), schema, max_tokens=WRITE_MAX_TOKENS)
    sentences, dropped = resolve_sentences(raw.get("overview"), notes)
    return " ".join(str(raw.get("title") or "").split()), sentences, dropped


def _figure_note(f: KeyFigure, article_id: str, i: int) -> Note:
    return Note(f"S{i}", f"{f.what}: {f.value}", f.citations, article_id, "figure")


def _plain_disagreement(fa: KeyFigure, fb: KeyFigure, titles: dict[str, str], a: str, b: str) -> Disagreement:
    """The deterministic phrasing of a figure conflict (used when the model's is unusable)."""
    return Disagreement(
        what=fa.what or fb.what,
        claims=[
            DisagreementClaim(
                text=f"{titles.get(a, a)} reports {fa.value}.", article_id=a, citations=fa.citations
            ),
            DisagreementClaim(
                text=f"{titles.get(b, b)} reports {fb.value}.", article_id=b, citations=fb.citations
            ),
        ],
    )


def write_disagreements(
    model: BaseChatModel | None,
    conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]],
    titles: dict[str, str],
    *,
    call: Callable[[list[Any], dict[str, Any], int | None], dict[str, Any]] | None = None,
) -> list[Disagreement]:
    """The model phrases each candidate conflict, citing both sides; a disagreement survives only
    if its claims cite notes from both articles, else the plain phrasing is used. ``call``
    replaces ``structured_call(model, ...)`` (a briefing's cached calls)."""
    from agent.models.structured import structured_call

    def ask(messages: list[Any], schema: dict[str, Any], max_tokens: int | None) -> dict[str, Any]:
        if call is not None:
            return call(messages, schema, max_tokens)
        assert model is not None, "write_disagreements needs a model or a call"
        return structured_call(model, messages, schema, max_tokens=max_tokens)

    if not conflicts:
        return []
    notes: list[Note] = []
    pairs: list[tuple[Note, Note]] = []
    for fa, a, fb, b in conflicts:
        na = _figure_note(fa, a, len(notes) + 1)
        notes.append(na)
        nb = _figure_note(fb, b, len(notes) + 1)
        notes.append(nb)
        pairs.append((na, nb))
    listing = "; ".join(f"{na.id} vs {nb.id}" for na, nb in pairs)
    claim = _obj(
        {
            "text": _str(),
            "sources": {
                "type": "array",
                "items": {"type": "string", "enum": [n.id for n in notes]},
                "minItems": 1,
                "maxItems": 1,
            },
        }
    )
    schema = _obj(
        {"disagreements": _arr(_obj({"what": _str(), "claims": _arr(claim, 2, 2)}), len(pairs), len(pairs))}
    )
    task = (
        f"The articles report different figures for the same thing in these pairs of notes: {listing}. "
        "For each pair, in that order, say in a few words what the figure measures ('what'), then give "
        "two claims: what each article reports, naming the article, each citing its note id."
    )
    by_id = {n.id: n for n in notes}
    out: list[Disagreement] = []
    try:
        raw = ask(note_messages(notes, task), schema, WRITE_MAX_TOKENS)
        items = raw.get("disagreements") or []
    except NewsAgentError as exc:
        log.warning("could not phrase disagreements with the model (%s); using plain phrasing", exc)
        items = []
    for k, ((fa, a, fb, b), (na, nb)) in enumerate(zip(conflicts, pairs, strict=True)):
        item = items[k] if k < len(items) and isinstance(items[k], dict) else {}
        claims: list[DisagreementClaim] = []
        numbers_ok = True
        for c in item.get("claims") or []:
            if not isinstance(c, dict):
                continue
            sources = [s for s in (c.get("sources") or []) if s in (na.id, nb.id)]
            cites = resolve_sources(sources, by_id)
            text = " ".join(str(c.get("text") or "").split())
            if cites and text:
                if unsupported_numbers(text, [by_id[sources[0]]]):
                    numbers_ok = False  # a number its note does not state: use the figures' own
                claims.append(
                    DisagreementClaim(text=text, article_id=by_id[sources[0]].article_id, citations=cites)
                )
        what = " ".join(str(item.get("what") or "").split())
        if not what or unsupported_numbers(what, [na, nb]):
            what = fa.what or fb.what
        if numbers_ok and len({c.article_id for c in claims}) == 2:
            out.append(Disagreement(what=what, claims=claims))
        else:
            out.append(_plain_disagreement(fa, fb, titles, a, b))
    return out


def _overlaps(x: Sequence[Citation], y: Sequence[Citation]) -> bool:
    return any(c.article_id == d.article_id and c.start < d.end and d.start < c.end for c in x for d in y)


def _is_figure_conflict(
    na: Note, nb: Note, figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]]
) -> bool:
    """Whether two notes quote the same passages as a figure conflict (already reported)."""
    for fa, _, fb, _ in figure_conflicts:
        if (_overlaps(na.citations, fa.citations) and _overlaps(nb.citations, fb.citations)) or (
            _overlaps(na.citations, fb.citations) and _overlaps(nb.citations, fa.citations)
        ):
            return True
    return False


def _plain_claim(note: Note, titles: Mapping[str, str]) -> str:
    """A claim in the article's own words (its verified quote), for when the model's phrasing
    states a number the note does not."""
    quote = " ".join(note.citations[0].quote.split())
    return f"{titles.get(note.article_id, note.article_id)} reports: \u201c{quote}\u201d"


def minimal_pair_conflicts(
    notes: Sequence[Note],
    titles: Mapping[str, str],
    *,
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Notes from different articles whose verified quotes say the same sentence with a different
    name or number in the same place: both cannot be true. Each claim is the article's own quote.

    The pair test is ``agent.sentence_pairs.minimal_pair``; pairs already reported as figure
    conflicts are left to that section.
    """
    out: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for i, na in enumerate(notes):
        for nb in notes[i + 1 :]:
            if na.article_id == nb.article_id or not na.citations or not nb.citations:
                continue
            pair = frozenset((na.id, nb.id))
            if pair in seen or _is_figure_conflict(na, nb, figure_conflicts):
                continue
            diff = minimal_pair(na.citations[0].quote, nb.citations[0].quote)
            if diff is None:
                continue
            seen.add(pair)
            out.append(
                Disagreement(
                    what=diff.what,
                    claims=[
                        DisagreementClaim(
                            text=_plain_claim(na, titles), article_id=na.article_id, citations=na.citations
                        ),
                        DisagreementClaim(
                            text=_plain_claim(nb, titles), article_id=nb.article_id, citations=nb.citations
                        ),
                    ],
                )
            )
            if len(out) >= limit:
                return out
    return out


def find_claim_conflicts(
    model: BaseChatModel,
    notes: Sequence[Note],
    titles: Mapping[str, str],
    *,
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    published: Mapping[str, datetime | None] | None = None,
    texts: Mapping[str, str] | None = None,
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Pairs of notes from different articles of one storyline that state incompatible facts
    about the same thing ("played in Tampa, Florida" vs "in Glendale, Arizona"), found by the
    model choosing note ids (an enum: it cannot name a note it was not given).

    Kept only when: both notes exist and come from different articles, the pair is not already a
    figure conflict, the pair was not given before, the two claims differ, and — when the claims
    are about numbers — the later article does not itself state the earlier claim's numbers (a
    revision, as in ``find_conflicts``). A claim stating a number its note does not is replaced by
    the note's quote. At most ``limit``. A model error means no claim conflicts (logged), never a
    crash: this section is an extra, the briefing stands without it.
    """
    from agent.models.structured import structured_call

    if limit < 1 or len({n.article_id for n in notes}) < 2:
        return []
    # Found without the model; added after the model's own finds (whose wording reads better).
    pairs = minimal_pair_conflicts(notes, titles, figure_conflicts=figure_conflicts, limit=limit)

    def with_pairs(found: list[Disagreement]) -> list[Disagreement]:
        quoted = [{id(c.citations[0]) for c in d.claims if c.citations} for d in found]
        for d in pairs:
            mine = {id(c.citations[0]) for c in d.claims if c.citations}
            if len(found) < limit and mine not in quoted:
                found.append(d)
        return found

    ids = [n.id for n in notes]
    pick = {"type": "string", "enum": ids}
    schema = _obj(
        {
            "conflicts": _arr(
                _obj({"what": _str(), "note_a": pick, "claim_a": _str(), "note_b": pick, "claim_b": _str()}),
                0,
                limit,
            )
        }
    )
    task = (
        f"The notes above come from {len({n.article_id for n in notes})} articles about one storyline. "
        "Find notes from DIFFERENT articles that contradict each other: they state incompatible facts "
        "about the same thing (for example a different place, date, person, cause, result or number), "
        "so both cannot be true. A later article that updates a figure or adds detail is not a "
        "contradiction, and neither are facts about different things. For each contradiction give "
        "'what' (a few words naming the thing), note_a and note_b (the ids of the two notes) and "
        "claim_a and claim_b (one short sentence each: what that note's article says, naming the "
        f"article). Give at most {limit}; if no notes contradict each other, give an empty list."
    )
    try:
        raw = structured_call(model, note_messages(notes, task), schema, max_tokens=WRITE_MAX_TOKENS)
        items = raw.get("conflicts") or []
    except NewsAgentError as exc:
        log.warning("could not ask the model for conflicting claims (%s); only word-level pairs", exc)
        return with_pairs([])
    by_id = {n.id: n for n in notes}
    published = published or {}
    texts = texts or {}
    out: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        na, nb = by_id.get(str(item.get("note_a"))), by_id.get(str(item.get("note_b")))
        if na is None or nb is None or na.article_id == nb.article_id:
            continue
        pair = frozenset((na.id, nb.id))
        if pair in seen or _is_figure_conflict(na, nb, figure_conflicts):
            continue
        what = " ".join(str(item.get("what") or "").split())
        ca = " ".join(str(item.get("claim_a") or "").split())
        cb = " ".join(str(item.get("claim_b") or "").split())
        if not what or unsupported_numbers(what, [na, nb]):
            continue
        if ca.casefold() == cb.casefold():
            continue
        ca = ca if ca and not unsupported_numbers(ca, [na]) else _plain_claim(na, titles)
        cb = cb if cb and not unsupported_numbers(cb, [nb]) else _plain_claim(nb, titles)
        if _claim_revised(na, ca, nb, cb, published, texts):
            continue
        seen.add(pair)
        out.append(
            Disagreement(
                what=what,
                claims=[
                    DisagreementClaim(text=ca, article_id=na.article_id, citations=na.citations),
                    DisagreementClaim(text=cb, article_id=nb.article_id, citations=nb.citations),
                ],
            )
        )
        if len(out) >= limit:
            break
    return with_pairs(out)


def _claim_revised(
    na: Note,
    ca: str,
    nb: Note,
    cb: str,
    published: Mapping[str, datetime | None],
    texts: Mapping[str, str],
) -> bool:
    """Claims about numbers where the later article itself states the earlier claim's numbers
    ("230 homes evacuated" vs "the count was raised from 230 to 312"): a revision."""
    ta, tb = _ts(published.get(na.article_id)), _ts(published.get(nb.article_id))
    if ta is None or tb is None or ta == tb:
        return False
    (early, early_claim), (late, late_claim) = ((na, ca), (nb, cb)) if ta < tb else ((nb, cb), (na, ca))
    early_values = [v for _, v, _, _ in stated_numbers(early_claim)]
    late_values = [v for _, v, _, _ in stated_numbers(late_claim)]
    if not early_values or all(has_value(early_values, v) for v in late_values):
        return False  # the later claim states no other number: a conflict about something else
    later_text = texts.get(late.article_id) or "\n".join([late.text] + [c.quote for c in late.citations])
    have = values_in([later_text, late_claim])
    return all(has_value(have, v) for v in early_values)


def _same_pair(x: Disagreement, y: Disagreement) -> bool:
    """Two disagreements whose two sides quote overlapping passages (the same contradiction)."""
    if len(x.claims) != 2 or len(y.claims) != 2:
        return False
    (xa, xb), (ya, yb) = ([c.citations for c in x.claims], [c.citations for c in y.claims])
    return (_overlaps(xa, ya) and _overlaps(xb, yb)) or (_overlaps(xa, yb) and _overlaps(xb, ya))


def storyline_sentence_conflicts(
    articles: Sequence[Article],
    settings: Settings,
    titles: Mapping[str, str],
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Contradictions between one storyline's articles found in their own sentences, without
    the model (``agent.sentence_pairs``); pairs already reported as figure conflicts are left
    to that section. Citations carry the chunk ids the index uses."""
    from agent.ingest.chunk import chunk_text
    from agent.summarize import Verifier

    if limit < 1 or len({a.id for a in articles}) < 2:
        return []
    verifiers: dict[str, Verifier] = {}

    def cite(article: Article, span: tuple[int, int]) -> Citation:
        if article.id not in verifiers:
            chunks = chunk_text(article.id, article.text, max(1, settings.chunk_tokens))
            verifiers[article.id] = Verifier(article, chunks)
        return verifiers[article.id].citation(span)

    out: list[Disagreement] = []
    for diff, ca, cb in sentence_pair_conflicts(articles, cite, limit=limit + len(figure_conflicts)):
        if any(
            (_overlaps([ca], fa.citations) and _overlaps([cb], fb.citations))
            or (_overlaps([ca], fb.citations) and _overlaps([cb], fa.citations))
            for fa, _, fb, _ in figure_conflicts
        ):
            continue
        out.append(make_disagreement(diff, ca, cb, titles))
        if len(out) >= limit:
            break
    return out


def renumber_briefing(b: Briefing) -> Briefing:
    """Citation numbers 1..m in reading order (overview, sections, disagreements)."""
    numbers: dict[tuple[str, int, int], int] = {}

    def fix(cites: list[Citation]) -> list[Citation]:
        out = []
        for c in cites:
            n = numbers.setdefault((c.article_id, c.start, c.end), len(numbers) + 1)
            out.append(c.model_copy(update={"n": n}))
        return out

    for s in b.overview:
        s.citations = fix(s.citations)
    for sec in b.sections:
        for s in sec.sentences:
            s.citations = fix(s.citations)
    for d in b.disagreements:
        for c in d.claims:
            c.citations = fix(c.citations)
    return b


# --- the entry point ---------------------------------------------------------------------------


@records_usage  # result.usage: tokens of all calls made (none when every reply was cached)
def make_briefing(
    *,
    store: Any,
    retriever: Any,
    model: ModelOrFactory,
    settings: Settings,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    max_articles: int = 10,
    progress: Progress | None = None,
    embedder: Any = None,
    refresh: bool = False,
    method: str = "storylines",
) -> Briefing:
    """A cited briefing over up to ``max_articles`` articles (by topic, else newest in the window).

    ``method="storylines"`` (default): articles are grouped into storylines model-free and each
    storyline is written by one model call over its articles' key sentences, cited by id (no
    per-article summary pass). ``progress(step, i, n)`` steps: ``select``, ``sentences`` (i of N
    articles), ``group``, ``write`` (i of the calls). Replies are cached by their exact input,
    so a repeated briefing makes no call and loads no model; ``refresh=True`` redoes them.
    ``method="summaries"`` is the earlier design (summarise every article, write from the
    summaries' key points), kept for comparison in bench/bench_summaries.py.
    """
    kw: dict[str, Any] = dict(
        store=store, retriever=retriever, model=model, settings=settings, topic=topic, since=since,
        until=until, source=source, max_articles=max_articles, progress=progress, embedder=embedder,
        refresh=refresh,
    )
    if method == "summaries":
        return briefing_from_summaries(**kw)
    if method != "storylines":
        raise InvalidArgumentError(f"unknown briefing method {method!r}; use 'storylines' or 'summaries'")
    from agent.storyline_brief import briefing_by_storylines

    return briefing_by_storylines(**kw)


def briefing_from_summaries(
    *,
    store: Any,
    retriever: Any,
    model: ModelOrFactory,
    settings: Settings,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    max_articles: int = 10,
    progress: Progress | None = None,
    embedder: Any = None,
    refresh: bool = False,
) -> Briefing:
    """The earlier briefing design: summarise every article, then write from the summaries.

    ``progress(step, i, n)`` is called with steps ``select``, ``summarise`` (i of N articles),
    ``group`` and ``write`` (i of the writing calls). ``model`` may be a factory (it is only
    built once articles were found). Summaries come from the on-disk cache when present.
    """
    from agent.models.structured import model_name_of  # lazy: the models layer is slow to import

    def tick(step: str, i: int, n: int) -> None:
        if progress is not None:
            progress(step, i, n)

    tick("select", 0, 1)
    articles = select_articles(
        store, retriever, topic=topic, since=since, until=until, source=source, max_articles=max_articles
    )
    tick("select", 1, 1)

    chat: BaseChatModel | None = model if isinstance(model, BaseChatModel) else None

    def get_model() -> BaseChatModel:
        nonlocal chat
        if chat is None:
            chat = model() if not isinstance(model, BaseChatModel) else model
        return chat

    summaries: list[ArticleSummary] = []
    tick("summarise", 0, len(articles))
    for i, article in enumerate(articles, start=1):
        # A model object is passed as such (its own name keys the cache); a factory stays lazy.
        summarizer: ModelOrFactory = chat if chat is not None else get_model
        summaries.append(
            summarize_article(article, summarizer, settings, refresh=refresh, method="full_text")
        )
        tick("summarise", i, len(articles))

    emb = embedder or getattr(store, "embedder", None) or getattr(retriever, "embedder", None)
    tick("group", 0, 1)
    groups = group_storylines(summaries, emb) if emb is not None else [[i] for i in range(len(summaries))]
    texts = {a.id: a.text for a in articles}
    conflicts = find_conflicts(summaries, emb, texts=texts) if emb is not None else []
    tick("group", 1, 1)

    titles = {a.id: a.title for a in articles}
    published = {a.id: a.published for a in articles}
    multi = [g for g in groups if len(g) >= 2]  # storylines where articles can contradict
    writes = len(groups) + len(multi) + 1 + (1 if conflicts else 0)
    done = 0
    tick("write", 0, writes)
    dropped = 0
    sections: list[BriefingSection] = []
    claim_conflicts: list[Disagreement] = []
    for g in groups:
        group_summaries = [summaries[i] for i in g]
        notes = fit_notes(summary_notes(group_summaries), notes_budget(settings, WRITE_MAX_TOKENS))
        if notes:
            heading, sentences, d = _write_section(get_model(), notes, len(g))
            dropped += d
            if sentences:
                sections.append(
                    BriefingSection(
                        heading=heading or group_summaries[0].headline,
                        sentences=sentences,
                        article_ids=[s.article_id for s in group_summaries],
                    )
                )
        done += 1
        tick("write", done, writes)
        if len(g) < 2:
            continue
        # Sentence-level pairs first: they do not depend on which key points the model chose.
        room = MAX_CLAIM_CONFLICTS - len(claim_conflicts)
        claim_conflicts += storyline_sentence_conflicts(
            [articles[i] for i in g], settings, titles, conflicts, limit=room
        )
        room = MAX_CLAIM_CONFLICTS - len(claim_conflicts)
        point_notes = fit_notes(
            summary_notes(group_summaries, figures=False), notes_budget(settings, WRITE_MAX_TOKENS)
        )
        if room > 0 and len({n.article_id for n in point_notes}) >= 2:
            more = find_claim_conflicts(
                get_model(),
                point_notes,
                titles,
                figure_conflicts=conflicts,
                published=published,
                texts=texts,
                limit=room,
            )
            claim_conflicts += [d for d in more if not any(_same_pair(d, e) for e in claim_conflicts)]
        done += 1
        tick("write", done, writes)

    overview_notes = fit_notes(
        summary_notes(summaries, points=3, figures=False), notes_budget(settings, WRITE_MAX_TOKENS)
    )
    title, overview = "", list[BriefingSentence]()
    if overview_notes:
        title, overview, d = _write_overview(get_model(), overview_notes, topic)
        dropped += d
    done += 1
    tick("write", done, writes)

    disagreements = write_disagreements(get_model(), conflicts, titles) if conflicts else []
    if conflicts:
        done += 1
        tick("write", done, writes)
    disagreements += claim_conflicts

    briefing = Briefing(
        title=title or (f"Briefing: {topic}" if topic else "News briefing"),
        topic=topic,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        model=model_name_of(chat, settings),
        prompt_version=f"{load_prompt('brief').id}+{load_prompt('summarize').id}",
        overview=overview,
        sections=sections,
        disagreements=disagreements,
        articles=[
            BriefingArticle(
                article_id=a.id,
                title=a.title,
                source=a.source,
                url=a.url,
                published=a.published,
                headline=s.headline,
            )
            for a, s in zip(articles, summaries, strict=True)
        ],
        dropped=dropped,
    )
    return renumber_briefing(briefing)


__all__ = [
    "NoArticlesError",
    "cluster",
    "find_claim_conflicts",
    "find_conflicts",
    "group_storylines",
    "briefing_from_summaries",
    "make_briefing",
    "no_articles_error",
    "renumber_briefing",
    "resolve_sentences",
    "select_articles",
    "storyline_sentence_conflicts",
    "unsupported_numbers",
    "write_disagreements",
]
