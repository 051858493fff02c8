"""What changed, replayed: consecutive days of Reuters-21578 (1987) through daily digests.

Each day's articles of a few topics with stories that run for days (``--topics``; the ICO coffee
quota talks, OPEC output, port strikes and sugar tenders run through early March 1987) are
ingested with their publication times; then one digest per day (``Agent.digest(since=day
00:00, until=day 23:59)``, the default local model, at most ``--per-day`` articles), each kept, so
day N compares with days 1..N-1 as a daily digest would.

Reported, over days 2..N:

* updates labelled: the share of storylines headed "Update since …";
* continuing by the data: a storyline "continues" when a storyline of the day before shares a
  Reuters topic and a headline content word with it (a proxy: the labels know no story); the
  share of those labelled as updates (recall), and of the labelled ones the share that continue
  by this proxy (precision); every labelled pair is printed with its headlines, to judge by eye;
* repeated sentences: a digest sentence repeats an earlier digest when its text, or every quote
  it cites, says nothing an earlier digest's sentences or quotes did not
  (``agent.digest.told``); target ≤ 10 %.

The cache folder is fresh (the installed model files linked in), so every reply is the model's.
Run: ``.venv/bin/python bench/bench_digest_replay.py`` (about 10 model calls a day).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_digest_grouping import DATA, title_words  # noqa: E402
from bench_watch import fresh_cache  # noqa: E402

DAYS = ("2-MAR-1987", "3-MAR-1987", "4-MAR-1987", "5-MAR-1987")


def load(days: tuple[str, ...], topics: set[str]) -> list[dict[str, Any]]:
    rows = []
    for line in (DATA / "reuters21578" / "reuters21578.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("body") and r["date"][:11].strip() in days and topics & set(r.get("topics") or []):
            when = datetime.strptime(r["date"].split(".")[0].strip(), "%d-%b-%Y %H:%M:%S").replace(tzinfo=UTC)
            rows.append({"id": r["id"], "title": r["title"].title(), "text": r["body"], "source": "Reuters",
                         "published": when.isoformat(), "topics": r["topics"],
                         "url": f"https://reuters.example/1987/{r['id']}"})
    return rows


def shown_lines(digest: Any) -> list[Any]:
    return [*digest.storylines, *digest.more]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", default=",".join(DAYS))
    ap.add_argument("--topics", default="coffee,sugar,ship")
    ap.add_argument("--per-day", type=int, default=16)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()

    from agent import Agent
    from agent.digest.told import Told, fingerprint

    days = tuple(args.days.split(","))
    rows = load(days, set(args.topics.split(",")))
    topics_of = {r["url"]: set(r["topics"]) for r in rows}
    title_of = {r["url"]: r["title"] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "reuters.jsonl"
        corpus.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "topics"}) + "\n"
                                  for r in rows), encoding="utf-8")
        agent = Agent(index_path=work / "index", cache_dir=fresh_cache(work),
                      **({"model": args.model} if args.model else {}))
        report = agent.ingest([str(corpus)])
        url_of = {a.id: a.url for a in agent.list()}
        digests = []
        per_day: list[dict[str, Any]] = []
        for day in days:
            start = datetime.strptime(day, "%d-%b-%Y").replace(tzinfo=UTC)
            t0 = time.perf_counter()
            d = agent.digest(since=start, until=start + timedelta(days=1) - timedelta(seconds=1),
                             max_articles=args.per_day)
            seconds = time.perf_counter() - t0
            digests.append(d)
            per_day.append({"day": day, "seconds": round(seconds, 1), "articles": len(d.articles),
                            "written": len(d.storylines), "more": len(d.more),
                            "nothing_new": len(d.nothing_new),
                            "updates": sum(sec.update is not None for sec in shown_lines(d)),
                            "changes": sum(len(sec.changes) for sec in shown_lines(d)),
                            "repeated_left_out": d.repeated, "model_calls": d.usage.calls if d.usage else 0})

        def topics(sec: Any) -> set[str]:
            return set().union(*(topics_of.get(url_of.get(a, ""), set()) for a in sec.article_ids))

        def words(sec: Any) -> set[str]:
            return set().union(*(title_words(title_of.get(url_of.get(a, ""), "")) for a in sec.article_ids))

        def titles(sec: Any) -> list[str]:
            return [title_of.get(url_of.get(a, ""), a) for a in sec.article_ids]

        labelled = continuing = labelled_and_continuing = total = 0
        sentences = repeated = 0
        pairs: list[dict[str, Any]] = []
        for n in range(1, len(digests)):
            d, prev = digests[n], digests[n - 1]
            told = Told()
            for e in digests[:n]:
                for sec in shown_lines(e):
                    told.add(fingerprint(s.text) for s in sec.sentences)
                    told.add(fingerprint(c.quote) for s in sec.sentences for c in s.citations)
            for sec in [*shown_lines(d), *d.nothing_new]:
                total += 1
                cont = any(topics(sec) & topics(p) and words(sec) & words(p)
                           for p in [*shown_lines(prev), *prev.nothing_new])
                continuing += cont
                if sec.update is not None:
                    labelled += 1
                    labelled_and_continuing += cont
                    earlier = next((p for e in digests[:n] if e.id == sec.update.digest_id
                                    for p in [*shown_lines(e), *e.nothing_new]
                                    if p.heading == sec.update.heading), None)
                    pairs.append({"day": days[n], "titles": titles(sec), "continues_by_proxy": cont,
                                  "earlier_day": sec.update.told_until.date().isoformat(),
                                  "earlier_titles": titles(earlier) if earlier else [sec.update.heading],
                                  "changes": [c.text() for c in sec.changes]})
                for s in sec.sentences:
                    sentences += 1
                    quotes = [c.quote for c in s.citations]
                    repeated += told.repeats(s.text) or bool(quotes and all(told.repeats(q) for q in quotes))
        unlabelled_continuing = [
            {"day": days[n], "titles": titles(sec)}
            for n in range(1, len(digests)) for sec in shown_lines(digests[n])
            if sec.update is None and any(topics(sec) & topics(p) and words(sec) & words(p)
                                          for p in shown_lines(digests[n - 1]))
        ]
    result = {
        "days": days, "topics": args.topics, "articles_ingested": report.added, "per_day": per_day,
        "storylines_after_day1": total, "labelled_updates": labelled,
        "labelled_share": round(labelled / max(1, total), 3),
        "continuing_by_proxy": continuing,
        "recall_vs_proxy": round(labelled_and_continuing / max(1, continuing), 3),
        "precision_vs_proxy": round(labelled_and_continuing / max(1, labelled), 3),
        "sentences_after_day1": sentences, "repeated_sentences": repeated,
        "repeated_share": round(repeated / max(1, sentences), 3),
        "labelled_pairs": pairs, "continuing_not_labelled": unlabelled_continuing,
    }
    print(json.dumps(result))
    print()
    print("| day | articles | written + also new + nothing new | updates | figure changes | model calls "
          "| s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in per_day:
        print(f"| {r['day']} | {r['articles']} | {r['written']} + {r['more']} + {r['nothing_new']} "
              f"| {r['updates']} | {r['changes']} | {r['model_calls']} | {r['seconds']} |")
    print()
    print(f"days 2..{len(days)}: {labelled} of {total} storylines labelled updates "
          f"({result['labelled_share']:.0%}); "
          f"proxy recall {result['recall_vs_proxy']:.0%}, precision {result['precision_vs_proxy']:.0%}; "
          f"{repeated} of {sentences} sentences repeat an earlier digest ({result['repeated_share']:.1%})")
    for p in pairs:
        mark = "" if p["continues_by_proxy"] else " [proxy: no]"
        print(f"- {p['day']}: {' | '.join(p['titles'])}  <-  {p['earlier_day']}: "
              f"{' | '.join(p['earlier_titles'])}{mark}")
        for c in p["changes"]:
            print("    changed:", " ".join(c.split()))
    for u in unlabelled_continuing:
        print(f"- not labelled, {u['day']}: {' | '.join(u['titles'])}")


if __name__ == "__main__":
    main()
