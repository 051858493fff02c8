"""A judged set for the answer checks: wrong answers a lexical check passes, right ones it must keep.

Model-free. Each item is a question, the passages shown (real article text from ../shared/data,
read in place), and a model-style reply ``{"answer", "status", "citations"}`` whose label is known
by construction. ``agent.answer.evidence.verify`` judges it, with the question-fit checks on (today)
and off (``agent.answer.fit`` bypassed), so both directions are measured:

* **caught**: a wrong reply not shown as a verified answer (not answered/partial with citations);
* **right lost**: a right reply verified without the checks but not with them.

Shapes of wrong replies (the four of issue 30, each built from real sentences):

* ``non_answer`` — SQuADShifts where/when/how-many questions; the reply is the answering sentence
  with the answer taken out ("The parade included floats and a brass band [1]");
* ``list_item`` — a sentence that says what something *includes*; asked what it *left out*, the
  reply names an included item;
* ``older_figure`` — a sentence with a change "from X to Y"; asked for the figure now, the reply
  gives X;
* ``other_measure`` — two figures of one article; asked for one measure, the reply gives the other
  sentence's figure under the asked measure's name;
* plus hand-written cases of the same shapes (``hand``), from the issue's examples.

Right replies: the same constructions with the right figure/item, and SQuADShifts gold answers
(the bare answer, and the answering sentence itself), each citing the answering sentence.

Usage: .venv/bin/python bench/bench_trust_set.py [--squad 1500] [--seed 3] [--show wrong|lost]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)


@dataclass
class Item:
    shape: str
    right: bool
    question: str
    text: str  # the passage (one article's text, or a paragraph)
    reply: dict[str, Any]
    title: str = ""


def _passage(item: Item) -> Any:
    from agent.types import Passage

    return Passage(
        chunk_id="a:0",
        article_id="a",
        title=item.title or "Article",
        text=item.text,
        start=0,
        end=len(item.text),
        published=datetime(2026, 3, 5, tzinfo=UTC),
        score=1.0,
    )


def _sentences(text: str) -> list[tuple[int, int]]:
    from agent.text.sentences import segment

    return [(s.start, s.end) for s in segment(text)]


def _sid(text: str, pos: int) -> int | None:
    """The 1-based id of the sentence holding character ``pos``."""
    for i, (a, b) in enumerate(_sentences(text), 1):
        if a <= pos < b:
            return i
    return None


def _reply(answer: str, sid: int) -> dict[str, Any]:
    return {"answer": f"{answer.rstrip('. ')} [{sid}].", "status": "answered", "citations": [sid]}


# --- SQuADShifts: right answers, and non-answers ---------------------------------------------------


def squad_items(n: int, rng: random.Random) -> Iterator[Item]:
    data = json.loads((DATA / "squadshifts_newwiki" / "new_wiki_v1.0.json").read_text())["data"]
    rows = [(a["title"], p["context"], q) for a in data for p in a["paragraphs"] for q in p["qas"]]
    rng.shuffle(rows)
    for title, context, q in rows[:n]:
        ans = q["answers"][0]
        sid = _sid(context, ans["answer_start"])
        if sid is None:
            continue
        a, b = _sentences(context)[sid - 1]
        sentence = context[a:b]
        yield Item("squad_bare", True, q["question"], context, _reply(ans["text"], sid), title)
        yield Item("squad_sentence", True, q["question"], context, _reply(sentence, sid), title)
        if re.match(r"(where|when|how many|how much)\b", q["question"], re.I):
            rest = sentence.replace(ans["text"], " ")
            rest = re.sub(
                r"\b(in|on|at|from|since|by|during|of|to|about|around|over|some|nearly)\s+(?=[ ,.;]|$)",
                " ",
                rest,
            )
            rest = " ".join(rest.replace(" ,", ",").split()).strip(" ,;")
            if len(rest.split()) >= 5 and rest != sentence:
                yield Item("non_answer", False, q["question"], context, _reply(rest, sid), title)


# --- news: list items, older figures, other measures ------------------------------------------------

_INCLUDES = re.compile(
    r"^(?P<subj>(?:The|the|Its|His|Her|Their) [a-z][a-z ]{2,40}?) "
    r"(?:includes|included|will include|would include) "
    r"(?P<items>[^.;:]{5,160}? and [^.;:]{2,60})\.?$"
)
_CHANGE = re.compile(
    r"^(?P<subj>(?:The |the |Its |Their )?[A-Za-z][A-Za-z' ]{3,50}?) "
    r"(?:rose|fell|increased|decreased|climbed|dropped|grew|jumped|slipped) (?:by [^,]{1,20} )?"
    r"from (?P<old>[$£€]?\d[\d.,]*(?: ?(?:%|percent|million|billion|bn|m|pounds|dollars|cts|pct))?) "
    r"to (?P<new>[$£€]?\d[\d.,]*(?: ?(?:%|percent|million|billion|bn|m|pounds|dollars|cts|pct))?)"
)
_FIGURE = re.compile(
    r"^(?P<subj>(?:The |the |Its |Their )?[A-Za-z][A-Za-z' ]{3,50}?) "
    r"(?:was|were|is|are|rose to|fell to|reached|totalled|totaled|stood at|came to) "
    r"(?P<num>[$£€]?\d[\d.,]*(?: ?(?:%|percent|million|billion|bn|m|pounds|dollars|cts|pct))?)\b"
)


def _articles(limit: int, rng: random.Random) -> list[tuple[str, str]]:
    bbc = [json.loads(line) for line in (DATA / "bbc_news" / "bbc_news_2225.jsonl").open()]
    rows = [(a["title"], a["text"]) for a in bbc]
    reuters = DATA / "reuters21578" / "reuters21578.jsonl"
    for line in reuters.open():
        r = json.loads(line)
        if r.get("body"):
            rows.append((r.get("title") or "Reuters", r["body"]))
    rng.shuffle(rows)
    return rows[:limit]


def news_items(limit: int, rng: random.Random) -> Iterator[Item]:
    per_shape: Counter[str] = Counter()
    for title, text in _articles(limit, rng):
        spans = _sentences(text)
        figures: list[tuple[int, str, str]] = []
        for sid, (a, b) in enumerate(spans, 1):
            s = " ".join(text[a:b].split())
            m = _INCLUDES.match(s)
            if m and per_shape["list_item"] < 150:
                items = re.split(r",\s*|\s+and\s+", m["items"])
                first = items[0].strip()
                subj = m["subj"][0].lower() + m["subj"][1:]
                if 1 <= len(first.split()) <= 6:
                    yield Item(
                        "list_item",
                        False,
                        f"What did {subj} leave out?",
                        text,
                        _reply(f"{m['subj']} left out {first}", sid),
                        title,
                    )
                    yield Item(
                        "list_item",
                        True,
                        f"What does {subj} include?",
                        text,
                        _reply(f"{m['subj']} includes {first}", sid),
                        title,
                    )
                    per_shape["list_item"] += 1
            m = _CHANGE.match(s)
            if m and per_shape["older_figure"] < 150:
                subj = m["subj"].strip()
                q = f"What is {subj[0].lower() + subj[1:]} now?"
                yield Item("older_figure", False, q, text, _reply(f"{subj} is {m['old']}", sid), title)
                yield Item("older_figure", True, q, text, _reply(f"{subj} is {m['new']}", sid), title)
                per_shape["older_figure"] += 1
            m = _FIGURE.match(s)
            if m:
                figures.append((sid, m["subj"].strip(), m["num"]))
        if len(figures) >= 2 and per_shape["other_measure"] < 150:
            (s1, subj1, n1), (s2, _subj2, n2) = figures[0], figures[1]
            words1 = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", subj1)}
            s2_text = text[spans[s2 - 1][0] : spans[s2 - 1][1]].lower()
            if n1 != n2 and words1 and not any(w in s2_text for w in words1):
                q = f"What was {subj1[0].lower() + subj1[1:]}?"
                yield Item("other_measure", False, q, text, _reply(f"{subj1} was {n2}", s2), title)
                yield Item("other_measure", True, q, text, _reply(f"{subj1} was {n1}", s1), title)
                per_shape["other_measure"] += 1


# --- the issue's own cases ------------------------------------------------------------------------


def hand_items() -> Iterator[Item]:
    seed = (DATA / "seed" / "putin_xi_summit_2024.txt").read_text(encoding="utf-8")
    sents = [seed[a:b] for a, b in _sentences(seed)]
    trade = next(i for i, s in enumerate(sents, 1) if "$240 billion" in s)
    food = next(i for i, s in enumerate(sents, 1) if "$7.6 billion" in s)
    q = "What was the trade volume between Russia and China last year?"
    yield Item(
        "hand",
        False,
        q,
        seed,
        _reply("The Russian food exports increased 1.5 times and reached $7.6 billion", food),
        "seed",
    )
    yield Item(
        "hand",
        True,
        q,
        seed,
        _reply("The volume of exchanges set a new record of $240 billion", trade),
        "seed",
    )
    parade = (
        "The spring parade drew thousands of visitors on Saturday. The parade included floats and a brass "
        "band. It was held along the seafront in Brighton, organisers said."
    )
    yield Item(
        "hand",
        False,
        "Where was the parade held?",
        parade,
        _reply("The parade included floats and a brass band", 2),
    )
    yield Item(
        "hand",
        True,
        "Where was the parade held?",
        parade,
        _reply("It was held along the seafront in Brighton", 3),
    )
    deal = (
        "The coalition deal includes a fuel tax cut, free school meals and a cap on rents. "
        "It leaves out the wealth tax that the Greens had demanded."
    )
    yield Item(
        "hand",
        False,
        "Which measure did the deal leave out?",
        deal,
        _reply("The deal left out free school meals", 1),
    )
    yield Item(
        "hand",
        True,
        "Which measure did the deal leave out?",
        deal,
        _reply("The deal left out the wealth tax", 2),
    )
    fuel = (
        "A gallon of regular petrol cost $3.97 on average when the run of increases began in April. "
        "Today the average is a record $4.62 a gallon, the motoring association said."
    )
    yield Item(
        "hand",
        False,
        "What does a gallon cost on average now?",
        fuel,
        _reply("A gallon costs $3.97 on average when the run of increases began in April", 1),
    )
    yield Item(
        "hand",
        True,
        "What does a gallon cost on average now?",
        fuel,
        _reply("A gallon costs a record $4.62 on average today", 2),
    )


# --- judging ---------------------------------------------------------------------------------------


@contextmanager
def checks_off() -> Iterator[None]:
    """``agent.answer.fit``'s checks bypassed where verification calls them: the lexical checks alone."""
    import agent.answer.evidence as evidence
    import agent.answer.support as support

    bypass = [
        (evidence, "misfit", lambda *a: None),
        (evidence, "older_figure", lambda *a: False),
        (support, "contradicts_relation", lambda *a: False),
        (support, "other_measure", lambda *a: False),
    ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in bypass]
    for module, name, off in bypass:
        setattr(module, name, off)
    try:
        yield
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def shown_verified(item: Item) -> bool:
    from agent.answer.evidence import Evidence, verify

    answer = verify(item.question, item.reply, Evidence([_passage(item)]))
    return answer.status in ("answered", "partial") and bool(answer.citations)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--squad", type=int, default=1500, help="SQuADShifts questions drawn")
    ap.add_argument("--news", type=int, default=6000, help="BBC + Reuters articles scanned")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--show", choices=["wrong", "lost"], default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    items = [*hand_items(), *squad_items(args.squad, rng), *news_items(args.news, rng)]
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        with checks_off():
            before = shown_verified(item)
        after = shown_verified(item)
        t = tally[item.shape]
        if item.right:
            t["right"] += 1
            t["right_verified_without_checks"] += before
            t["right_lost"] += before and not after
            if args.show == "lost" and before and not after:
                print(f"LOST [{item.shape}] {item.question} -> {item.reply['answer']}")
        else:
            t["wrong"] += 1
            t["wrong_caught_without_checks"] += not before
            t["wrong_caught"] += not after
            if args.show == "wrong" and after:
                print(f"PASSED [{item.shape}] {item.question} -> {item.reply['answer']}")
    report: dict[str, Any] = {}
    total: Counter[str] = Counter()
    for shape, t in sorted(tally.items()):
        total.update(t)
        report[shape] = dict(t)
    wrong, right = total["wrong"], total["right_verified_without_checks"]
    report["all"] = {
        **dict(total),
        "caught_rate": round(total["wrong_caught"] / wrong, 3) if wrong else None,
        "caught_rate_without_checks": round(total["wrong_caught_without_checks"] / wrong, 3)
        if wrong
        else None,
        "right_lost_rate": round(total["right_lost"] / right, 4) if right else None,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
