"""As-of replay on Reuters-21578: "what was reported this week / last week about X?" asked days later.

Method (so runs can be compared):
- Gold articles: Reuters 1987 items of a recurring *series* — the same headline with only its
  figures changed ("U.K. MONEY MARKET GIVEN 215 MLN STG HELP", "WEEKLY ELECTRIC OUTPUT UP 2.1
  PCT"), at least two reports on different days at least a week apart. The series' other reports
  are the distractors that matter: the same topic, another week, another figure. Every other 1987
  item sharing a gold article's topic tags is added too (capped by --distractors).
- Each gold article gets two questions about its headline (figures removed, so the words match
  every report of the series and only the date can pick the right one):
  * asked 0-6 days after publication (seeded random) with "this week", "recently" or "in the past
    few days" (rotating);
  * asked 8-13 days after with "last week".
  A question is kept only when no other indexed article with a headline of the same family (the
  first three words of the figure-free headline: "U K MONEY", "ST QTR JAN") falls in its window:
  otherwise "the report this week" has two right answers (the Bank of England's several daily
  "money market given … help" reports, or every company's "1st qtr Jan net").
- As-of moment: 23:59:59 UTC of the asking day. Retrieval runs exactly as ``Agent.ask`` does
  (``Agent._retrieve``: window, nearest-coverage fallback, as-of cap), without a model, and gives:
  * gold among the passages handed to the model (target >= 95 %);
  * any passage published after the as-of moment (target 0);
  * any passage outside the phrase's window while the answer would not say so (no "Nothing
    from …; the closest coverage …" lead): precise windows must be 0; soft windows ("recently")
    that were widened or dropped are counted apart, as that is their documented behaviour;
  * refusals (no passage at all: ``not_in_sources`` without a model) and the fallbacks used.
- ``--model-sample N`` also asks the real model N of the questions (evenly spread) and scores
  the answers: gold figure stated, gold cited, citations after the as-of moment, citations outside
  the window without the lead sentence, status.

Usage: python bench/bench_asof_replay.py [--distractors 800] [--model-sample 20 --model qwen2.5-0.5b]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# ../shared/data from the project root, or from any folder above it (a worktree's root is deeper)
DATA_ROOT = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)
DATA = DATA_ROOT / "reuters21578" / "reuters21578.jsonl"

# Words that carry a report's figure or direction, dropped to find a series and to ask about it.
_FIGURE_WORDS = (
    r"MLN|BILLION|PCT|DLRS|DLR|CTS|STG|YEN|UP|DOWN|RISE|RISES|ROSE|FALL|FALLS|FELL|TO|BY|AT|OF|THE|A|IN"
)
PHRASES_NEAR = ("this week", "recently", "in the past few days")


def reuters_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.strip().split(".")[0], "%d-%b-%Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:  # one record has "605:12:19" as its time
        return None


def series_key(title: str) -> str:
    t = re.sub(r"<[^>]*>", " ", title.upper())
    t = re.sub(r"[\d.,/]+", " ", t)
    t = re.sub(rf"\b(?:{_FIGURE_WORDS})\b", " ", t)
    return " ".join(t.split())


def topic_words(title: str) -> str:
    """The headline without its figures or ticker, readable: "U.K. money market given help",
    "devtek corp 2nd qtr jan net" (a company named only inside <…> keeps its name)."""
    t = re.sub(r"<([^>]*\s[^>]*)>", r"\1", title)
    t = re.sub(r"<[^>]*>", " ", t)
    t = re.sub(r"\b\d[\d.,/]*\b", " ", t)
    t = re.sub(r"\b(?:MLN|BILLION|PCT|DLRS|DLR|CTS|STG)\b", " ", t, flags=re.I)
    return " ".join(t.split()).lower()


def question_for(phrase: str, title: str) -> str:
    topic = topic_words(title)
    if phrase == "recently":
        return f"What was recently reported about {topic}?"
    return f"What was reported {phrase} about {topic}?"


def build(records: list[dict[str, Any]], seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(cases, gold+series records): each case is one question about one gold article."""
    from agent.retrieve.timephrase import resolve_time

    groups: dict[str, list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
    for r in records:
        when = reuters_date(r.get("date") or "")
        if r.get("body") and r.get("title") and when is not None and re.search(r"\d", r["title"]):
            key = series_key(r["title"])
            if len(key) > 12:
                groups[key].append((when, r))
    rng = random.Random(seed)
    cases: list[dict[str, Any]] = []
    used: list[dict[str, Any]] = []
    n_near = 0
    for key, members in sorted(groups.items()):
        days = sorted({w.date() for w, _ in members})
        if len(days) < 2 or (days[-1] - days[0]).days < 7:
            continue
        used.extend(r for _, r in members)
        for when, r in members:
            for far in (False, True):
                if far:
                    phrase, delay = "last week", rng.randint(8, 13)
                else:
                    phrase, delay = PHRASES_NEAR[n_near % 3], rng.randint(0, 6)
                    n_near += 1
                as_of = datetime.combine(when.date() + timedelta(days=delay), datetime.max.time(),
                                         tzinfo=UTC).replace(microsecond=0)  # fmt: skip
                q = question_for(phrase, r["title"])
                w = resolve_time(q, as_of)
                assert w is not None and w.since is not None and w.until is not None, q
                cases.append({"newid": r["newid"], "series": key, "question": q, "phrase": phrase,
                              "delay": delay, "published": when, "as_of": as_of, "title": r["title"],
                              "since": w.since, "until": w.until, "kind": w.kind})  # fmt: skip
    return cases, used


def family(title: str) -> str:
    return " ".join(series_key(title).split()[:3])


def unambiguous(cases: list[dict[str, Any]], corpus: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases whose window holds no other article of the gold headline's family."""
    by_family: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for r in corpus:
        when = reuters_date(r["date"])
        if when is not None and r.get("title"):
            by_family[family(r["title"])].append((when, r["newid"]))
    def clash(c: dict[str, Any]) -> bool:
        near = by_family[family(c["title"])]
        return any(n != c["newid"] and c["since"] <= at < c["until"] for at, n in near)

    return [c for c in cases if not clash(c)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--distractors", type=int, default=800)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--model-sample", type=int, default=0, help="also ask the model N questions")
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=None, help="per-question JSON lines")
    ap.add_argument("--index", type=Path, default=None, help="keep the index here; reused when it exists")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data}: Reuters-21578 not found; this benchmark needs ../shared/data")

    from agent import Agent

    records = [json.loads(line) for line in args.data.open()]
    cases, series_records = build(records, args.seed)
    in_series = {r["newid"] for r in series_records}
    gold_topics = {t for r in series_records for t in (r.get("topics") or [])}
    distractors = [
        r for r in records
        if r.get("body") and r["newid"] not in in_series and reuters_date(r.get("date") or "")
        and gold_topics & set(r.get("topics") or [])
    ]  # fmt: skip
    random.Random(args.seed).shuffle(distractors)
    distractors = distractors[: args.distractors]
    cases = unambiguous(cases, [*series_records, *distractors])

    tmp = Path(tempfile.mkdtemp(prefix="asof-replay-"))
    corpus = tmp / "reuters.jsonl"
    with corpus.open("w") as f:
        for r in [*series_records, *distractors]:
            when = reuters_date(r["date"])
            assert when is not None
            f.write(json.dumps({"title": (r.get("title") or "untitled").title(), "text": r["body"],
                                "published": when.isoformat(), "source": "Reuters",
                                "url": f"https://reuters21578.example/{r['newid']}"}) + "\n")  # fmt: skip
    overrides: dict[str, Any] = {"index_path": args.index or tmp / "index"}
    if args.model:
        overrides["model"] = args.model
    agent = Agent(**overrides)
    t0 = time.perf_counter()
    report = agent.ingest([str(corpus)])  # a reused index with the same corpus: all "unchanged"
    ingest_s = time.perf_counter() - t0
    print(f"ingested in {ingest_s:.0f}s: {report.to_markdown().strip()}; {len(cases)} questions "
          f"about {len({c['newid'] for c in cases})} gold articles", file=sys.stderr)  # fmt: skip
    by_url = {a.url: a.id for a in agent.list(limit=100_000)}

    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for c in cases:
        gold = by_url[f"https://reuters21578.example/{c['newid']}"]
        found = agent._retrieve(c["question"], as_of=c["as_of"])
        ps = found.passages

        def outside(published: datetime | None, c: dict[str, Any] = c) -> bool:
            return published is None or not (c["since"] <= published < c["until"])

        rows.append({
            "newid": c["newid"], "phrase": c["phrase"], "delay": c["delay"], "kind": c["kind"],
            "as_of": c["as_of"].isoformat(), "question": c["question"],
            "gold_in_passages": any(p.article_id == gold for p in ps),
            "future_passage": any(p.published is not None and p.published > c["as_of"] for p in ps),
            "outside_passage": any(outside(p.published) for p in ps),
            "labelled": bool(found.lead), "fallback": found.info.fallback, "refused": not ps,
        })  # fmt: skip
    retrieval_s = time.perf_counter() - t0

    def rate(sel: list[dict[str, Any]], key: str) -> float:
        return round(sum(bool(r[key]) for r in sel) / len(sel), 3) if sel else 0.0

    soft = {"recently"}
    precise = [r for r in rows if r["phrase"] not in soft]
    result: dict[str, Any] = {
        "questions": len(rows),
        "gold_articles": len({c["newid"] for c in cases}),
        "articles_indexed": report.added + report.count("unchanged"),
        "ingest_seconds": round(ingest_s, 1),
        "retrieval_seconds": round(retrieval_s, 1),
        "gold_in_passages": rate(rows, "gold_in_passages"),
        "passages_after_as_of": sum(r["future_passage"] for r in rows),
        "precise_outside_window_unlabelled": sum(
            r["outside_passage"] and not r["labelled"] for r in precise
        ),
        "soft_widened_or_dropped": sum(r["fallback"] in ("widened", "dropped") for r in rows),
        "refusals": sum(r["refused"] for r in rows),
        "fallbacks": dict(Counter(r["fallback"] for r in rows)),
        "by_phrase": {
            ph: {"n": len(sel), "gold_in_passages": rate(sel, "gold_in_passages"),
                 "refused": sum(r["refused"] for r in sel),
                 "nearest": sum(r["fallback"] == "nearest" for r in sel)}
            for ph in ("this week", "recently", "in the past few days", "last week")
            for sel in [[r for r in rows if r["phrase"] == ph]]
        },  # fmt: skip
    }

    if args.model_sample:
        step = max(1, len(cases) // args.model_sample)
        sample = list(range(0, len(cases), step))[: args.model_sample]
        scored = []
        t0 = time.perf_counter()
        for i in sample:
            c = cases[i]
            gold = by_url[f"https://reuters21578.example/{c['newid']}"]
            answer = agent.ask(c["question"], as_of=c["as_of"])
            figures = re.findall(r"\d[\d.,]*", c["title"])
            text = answer.text.replace(",", "")
            labelled = answer.text.startswith("Nothing from ")
            cited_out = [x for x in answer.citations
                         if x.published is None or not (c["since"] <= x.published < c["until"])]  # fmt: skip
            scored.append({
                "question": c["question"], "as_of": c["as_of"].isoformat(), "status": answer.status,
                "states_gold_figure": any(f.replace(",", "").rstrip(".") in text for f in figures),
                "cites_gold": any(x.article_id == gold for x in answer.citations),
                "cites_after_as_of": any(x.published and x.published > c["as_of"] for x in answer.citations),
                "cites_outside_unlabelled": bool(cited_out) and not labelled,
                "text": answer.text,
            })  # fmt: skip
            # the whole row, so a run cut short still leaves its scored answers in the log
            print(f"{len(scored)}/{len(sample)} {json.dumps(scored[-1])}", file=sys.stderr)
        result["model_sample"] = {
            "model": agent.settings.resolved_model,
            "n": len(scored),
            "seconds": round(time.perf_counter() - t0, 1),
            "states_gold_figure": rate(scored, "states_gold_figure"),
            "cites_gold": rate(scored, "cites_gold"),
            "answers_citing_after_as_of": sum(s["cites_after_as_of"] for s in scored),
            "answers_citing_outside_window_unlabelled": sum(s["cites_outside_unlabelled"] for s in scored),
            "status": dict(Counter(s["status"] for s in scored)),
        }
        rows.extend({"model": s} for s in scored)
    if args.out:
        args.out.write_text("".join(json.dumps(r, default=str) + "\n" for r in rows))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
