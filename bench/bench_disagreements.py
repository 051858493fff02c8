"""Benchmark: the model-free contradiction check of briefings (``agent.brief.sentence_pairs``).

A briefing's "what the sources disagree on" section must catch two articles that state the same
fact differently, and must not call two different reports a disagreement. This measures both,
without a model (seconds to run):

- **found**: RGB en_fact (``../shared/data/rgb_en_fact/en_fact.json``). Each item becomes two
  articles, one from the true snippets and one from the counterfactual ones ("… in Tampa,
  Florida" / "… in Glendale, Arizona"); found = at least one disagreement between them. Run
  twice: both articles undated, and published a day apart (then a change of a number alone
  counts as an update, not a contradiction, by design).
- **false alarms, related articles**: Reuters-21578, the first 60 articles of several topics
  (weekly money-supply reports, cocoa, coffee, crude prices) each treated as ONE storyline —
  template sentences about different weeks and companies; every flagged pair is a false alarm.
- **false alarms, unrelated articles**: RGB true snippets vs the item's negative snippets, and
  the first 50 FRANK CNN/DM articles as one storyline.

Run: ``.venv/bin/python bench/bench_disagreements.py`` (prints a table and examples).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents[1:] if (p / "shared" / "data").is_dir()),
    Path(__file__).resolve().parents[2] / "shared" / "data",
)  # ../shared/data, also from a git worktree
REUTERS_TOPICS = ("money-supply", "cocoa", "coffee", "crude", "grain", "earn")


def _rgb_articles(item: dict[str, Any], dated: bool) -> list[Any]:
    from agent.types import Article

    title = f"{item['query']}: what we know"
    out = []
    for aid, snippets, day in (("true", item["positive"], 8), ("fake", item["positive_wrong"], 9)):
        out.append(
            Article(
                id=aid,
                title=title,
                text="\n\n".join([title, *snippets]),
                published=datetime(2021, 2, day, tzinfo=UTC) if dated else None,
            )
        )
    return out


def _show(d: Any) -> str:
    return " | ".join(" ".join(c.citations[0].quote.split())[:90] for c in d.claims)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=3, help="false alarms to print per set")
    args = ap.parse_args()

    from agent.brief.claims import storyline_sentence_conflicts
    from agent.settings import Settings
    from agent.types import Article

    settings = Settings()
    rows: list[tuple[str, str, str]] = []

    rgb_file = DATA / "rgb_en_fact" / "en_fact.json"
    if rgb_file.is_file():
        items = [
            json.loads(line) for line in rgb_file.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        for dated in (False, True):
            started = time.perf_counter()
            found = sum(
                bool(storyline_sentence_conflicts(_rgb_articles(it, dated), settings, {})) for it in items
            )
            label = "a day apart" if dated else "undated"
            rows.append(
                (
                    f"RGB true vs counterfactual ({label})",
                    f"{found}/{len(items)} found",
                    f"{time.perf_counter() - started:.1f} s",
                )
            )
        alarms = 0
        for it in items:
            true = _rgb_articles(it, False)[0]
            neg = Article(id="neg", title="other", text="\n\n".join(it["negative"]))
            hits = storyline_sentence_conflicts([true, neg], settings, {})
            if hits and alarms < args.examples:
                print("  RGB negative alarm:", _show(hits[0]))
            alarms += bool(hits)
        rows.append(
            ("RGB true vs unrelated (negative) snippets", f"{alarms}/{len(items)} item pairs flagged", "")
        )
    else:
        print(f"RGB data not found at {rgb_file}; skipped")

    reuters_file = DATA / "reuters21578" / "reuters21578.jsonl"
    if reuters_file.is_file():
        by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in reuters_file.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r.get("body") and r.get("topics") and r["topics"][0] in REUTERS_TOPICS:
                by_topic[r["topics"][0]].append(r)
        for topic in REUTERS_TOPICS:
            recs = by_topic[topic][:60]
            arts = [
                Article(
                    id=r["id"],
                    title=r["title"],
                    text=f"{r['title']}\n\n{r['body']}",
                    published=datetime.strptime(r["date"].split(".")[0].strip(), "%d-%b-%Y %H:%M:%S").replace(
                        tzinfo=UTC
                    ),
                )
                for r in recs
            ]
            started = time.perf_counter()
            hits = storyline_sentence_conflicts(arts, settings, {}, limit=10_000)
            pairs = len(arts) * (len(arts) - 1) // 2
            rows.append(
                (
                    f"Reuters '{topic}', {len(arts)} articles as one storyline",
                    f"{len(hits)} flagged of {pairs} article pairs",
                    f"{time.perf_counter() - started:.1f} s",
                )
            )
            for d in hits[: args.examples]:
                print(f"  Reuters {topic} alarm:", _show(d))
    else:
        print(f"Reuters data not found at {reuters_file}; skipped")

    frank_file = DATA / "frank" / "frank_summarization.jsonl"
    if frank_file.is_file():
        seen: dict[str, Article] = {}
        for line in frank_file.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if "cnndm" in r["id"] and r["id"] not in seen:
                seen[r["id"]] = Article(id=r["id"], title=r["id"], text=r["article"])
            if len(seen) >= 50:
                break
        arts = list(seen.values())
        started = time.perf_counter()
        hits = storyline_sentence_conflicts(arts, settings, {}, limit=10_000)
        rows.append(
            (
                f"FRANK CNN/DM, {len(arts)} unrelated articles as one storyline",
                f"{len(hits)} flagged of {len(arts) * (len(arts) - 1) // 2} article pairs",
                f"{time.perf_counter() - started:.1f} s",
            )
        )

    print()
    print("| set | result | time |")
    print("|---|---|---:|")
    for name, result, took in rows:
        print(f"| {name} | {result} | {took} |")


if __name__ == "__main__":
    main()
