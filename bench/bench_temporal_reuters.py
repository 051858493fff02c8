"""Time-aware asking on Reuters-21578 (1987 newswire): "what was X this week?" with and without.

Method (so runs can be compared):
- Weekly series that Reuters reported every week with a different figure are picked by title
  pattern: U.S. M-1 money supply, U.S. weekly electric output, recent U.S. oil demand, U.S. bank
  discount borrowings. Each report becomes one question of the form "... this week?" asked *as of*
  the evening of its publication day; the gold answer is the figure in that report's headline.
- Distractors: every other 1987 Reuters item tagged money-supply / interest / crude / nat-gas
  (capped by --distractors), so the index holds many near-identical reports from other weeks.
- Three pipelines answer each question with the same local model, in the same run:
  * **time-aware** — ``Agent.ask(question, as_of=day)``: the phrase becomes a date window, later
    articles are never used, the prompt carries dates and today's date;
  * **no time-awareness** — the same hybrid retrieval and citation pipeline, but no as-of date, no
    window and no date note (what our agent would do if it ignored time);
  * **canonical LangChain RAG** — Chroma dense top-4 → plain prompt → the same model (no dates).
- Scoring: an answer is correct when the gold figure appears in its text (number match after
  normalising "two billion" → "2 billion"); "cites the right week" when any verified citation is
  the gold article (our two pipelines only); plus the rate of ``not_in_sources``.

Usage: .venv/bin/python bench/bench_temporal_reuters.py [--distractors 600] [--model qwen2.5-1.5b]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
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

# (series name, headline pattern with the figure as group 1, question asked "this week")
SERIES = [
    (
        "m1",
        r"^U\.S\. M-1 MONEY SUPPLY (?:ROSE|RISES|FALLS|FELL) ([\w.]+ (?:BILLION|MLN))",
        "By how much did the U.S. M-1 money supply change this week?",
    ),
    (
        "electric",
        r"^WEEKLY ELECTRIC OUTPUT UP ([\d.]+) PCT",
        "By what percentage was U.S. weekly electric output up from a year earlier this week?",
    ),
    (
        "oil",
        r"^RECENT U\.S\. OIL DEMAND UP ([\d.]+) PCT",
        "By how much was U.S. oil demand up from a year ago in this week's figures?",
    ),
    (
        "discount",
        r"^U\.S\. BANK DISCOUNT BORROWINGS ([\d,]+) MLN",
        "How much did U.S. banks borrow from the Fed's discount window this week?",
    ),
]
DISTRACTOR_TOPICS = {"money-supply", "interest", "crude", "nat-gas"}
WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


def reuters_date(value: str) -> datetime:
    return datetime.strptime(value.strip().split(".")[0], "%d-%b-%Y %H:%M:%S").replace(tzinfo=UTC)


def figure_key(text: str) -> str:
    """The leading number of a figure, normalised: "TWO BILLION" → "2", "1,200" → "1200"."""
    first = text.split()[0].lower().replace(",", "")
    return WORDS.get(first, first)


def mentions(answer: str, figure: str) -> bool:
    """Whether the answer states the gold figure (as a number, words converted)."""
    text = re.sub(r"\[\d+\]", " ", answer).lower().replace(",", "")
    for word, digit in WORDS.items():
        text = re.sub(rf"\b{word}\b", digit, text)
    # Numbers compare by value: "1.0 billion" states the gold "1", "2.10" the gold "2.1".
    return any(float(n) == float(figure) for n in re.findall(r"(?<![\d.])\d+(?:\.\d+)?", text))


def build_cases(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cases = []
    for name, pattern, question in SERIES:
        for r in records:
            m = re.search(pattern, r.get("title") or "")
            if m and r.get("body"):
                cases.append(
                    {
                        "series": name,
                        "newid": r["newid"],
                        "question": question,
                        "published": reuters_date(r["date"]),
                        "figure": figure_key(m.group(1)),
                    }
                )
    return sorted(cases, key=lambda c: (c["series"], c["published"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--distractors", type=int, default=600)
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=None, help="per-question JSON lines")
    ap.add_argument("--sample", type=int, default=0, help="ask only N questions, evenly spread")
    ap.add_argument("--retrieval-only", action="store_true", help="no model: retrieval-level numbers only")
    ap.add_argument("--index", type=Path, default=None, help="keep the index here; reused when it exists")
    ap.add_argument(
        "--aware-only", action="store_true", help="run only the time-aware pipeline (a third of the time)"
    )
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data}: Reuters-21578 not found; this benchmark needs ../shared/data")

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from agent import Agent
    from agent.answer.ask import answer_question

    records = [json.loads(line) for line in args.data.open()]
    cases = build_cases(records)
    case_ids = {c["newid"] for c in cases}  # all reports are indexed, sampled or not
    distractors = [
        r
        for r in records
        if r.get("body") and r["newid"] not in case_ids and DISTRACTOR_TOPICS & set(r.get("topics") or [])
    ][: args.distractors]

    tmp = Path(tempfile.mkdtemp(prefix="reuters-"))
    corpus = tmp / "reuters.jsonl"
    with corpus.open("w") as f:
        for r in [*(x for x in records if x["newid"] in case_ids), *distractors]:
            row = {
                "title": (r.get("title") or "untitled").title(),
                "text": r["body"],
                "published": reuters_date(r["date"]).isoformat(),
                "source": "Reuters",
                "url": f"https://reuters21578.example/{r['newid']}",
            }
            f.write(json.dumps(row) + "\n")
    overrides: dict[str, Any] = {"index_path": args.index or tmp / "index"}
    if args.model:
        overrides["model"] = args.model
    agent = Agent(**overrides)
    report = agent.ingest([str(corpus)])
    print(f"ingested: {report.to_markdown().strip()}; {len(cases)} questions", file=sys.stderr)
    by_url = {a.url: a.id for a in agent.list(limit=100_000)}

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer the question using only the context.\n\nContext:\n{context}"),
            ("human", "{question}"),
        ]
    )
    # Retrieval level, all questions, no model: is the gold report among the passages ``ask``
    # would give the model, is anything published after the as-of moment, and does the window
    # also hold another report of the same series (the rolling week holds day 7 back)?
    level = []
    for c in cases:
        as_of = c["published"].replace(hour=23, minute=0, second=0)
        gold_id = by_url[f"https://reuters21578.example/{c['newid']}"]
        found = agent._retrieve(c["question"], as_of=as_of)
        same = [o for o in cases if o["series"] == c["series"] and o is not c]
        lo, hi = found.info.window_since, found.info.window_until
        level.append({
            "gold": any(p.article_id == gold_id for p in found.passages),
            "gold_first": bool(found.passages) and found.passages[0].article_id == gold_id,
            "after": any(p.published and p.published > as_of for p in found.passages),
            "two_reports": bool(lo and hi and any(lo <= o["published"] < hi for o in same)),
        })  # fmt: skip
    keys = ("gold", "gold_first", "after", "two_reports")
    retrieval = {key: round(sum(x[key] for x in level) / len(level), 3) for key in keys}
    print(f"retrieval level: {json.dumps(retrieval)}", file=sys.stderr)
    if args.retrieval_only:
        print(json.dumps({"questions": len(cases), "retrieval": retrieval}, indent=2))
        return
    model = agent.chat_model.bind(max_tokens=agent.settings.answer.max_answer_tokens)
    canonical = prompt | model | StrOutputParser()

    if args.sample:
        step = max(1, len(cases) // args.sample)
        cases = cases[::step][: args.sample]
    rows = []
    t_start = time.perf_counter()
    for i, c in enumerate(cases, 1):
        as_of = c["published"].replace(hour=23, minute=0, second=0)
        gold_id = by_url[f"https://reuters21578.example/{c['newid']}"]
        q = c["question"]
        row: dict[str, Any] = {"series": c["series"], "as_of": as_of.date().isoformat()}
        row["figure"] = c["figure"]

        aware = agent.ask(q, as_of=as_of)
        runs: list[tuple[str, str, Any]] = [("aware", aware.text, aware)]
        if not args.aware_only:
            passages = agent.retriever.retrieve(q, k=agent.settings.retrieval.top_k)
            blind = answer_question(q, passages, lambda: agent.chat_model, agent.settings)
            docs = agent.store.dense_search(agent.embedder.embed_query(q), 4)
            plain = canonical.invoke({"context": "\n\n".join(d.text for d in docs), "question": q})
            runs += [("blind", blind.text, blind), ("canonical", plain, None)]
        for name, text, answer in runs:
            row[name] = {
                "correct": mentions(text, c["figure"]),
                "text": text,
                "status": answer.status if answer else "answered",
                "cites_gold": bool(answer and any(x.article_id == gold_id for x in answer.citations)),
                "later_article_used": bool(
                    answer and any(x.published and x.published > as_of for x in answer.citations)
                ),
            }
        rows.append(row)
        print(
            f"{i}/{len(cases)} {c['series']} {row['as_of']} gold {c['figure']}: "
            + " ".join(f"{n}={'✓' if row[n]['correct'] else '✗'}" for n, _, _ in runs),
            file=sys.stderr,
        )

    def share(name: str, key: str) -> float:
        return round(sum(bool(r[name][key]) for r in rows) / len(rows), 3)

    result = {
        "questions": len(rows),
        "retrieval_level_all_questions": retrieval,
        "articles_indexed": report.added,
        "model": agent.settings.resolved_model,
        "seconds": round(time.perf_counter() - t_start, 1),
    }
    for name in ("aware",) if args.aware_only else ("aware", "blind", "canonical"):
        result[name] = {
            "accuracy": share(name, "correct"),
            "cites_right_week": share(name, "cites_gold"),
            "not_in_sources": round(sum(r[name]["status"] == "not_in_sources" for r in rows) / len(rows), 3),
            "cites_article_published_after_as_of": share(name, "later_article_used"),
        }
    if args.out:
        args.out.write_text("".join(json.dumps(r, default=str) + "\n" for r in rows))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
