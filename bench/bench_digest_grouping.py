"""Benchmark (model-free): a digest's wire-copy merging and storyline grouping on real news.

Data, read in place from ../shared/data: Reuters-21578 (dated 1987, topic labels) and the BBC
news set (categories, longer articles with paragraphs).

* Duplicates: real articles republished the way outlets do it (``variants``): a new headline
  (the body unchanged), the first paragraph cut, the last paragraph cut, outlet boilerplate
  added, the dateline rewritten, and all of those at once ("combined"). Each variant with its
  original is one duplicate pair: it must be merged.
* Distinct: two Reuters stories of the same day sharing a topic label whose headlines share no
  content word (generic headline words such as "qtr", "net", "sets", "dividend" do not count, so
  templated notices of two companies are in the set): they must not be merged.
* Real re-sends (information, not a target): Reuters pairs of one day with the same headline and
  different bodies: corrections, updates and repeats of one story.

Pairwise, each method and threshold merges a pair when its score reaches the threshold:
``containment`` (word 5-gram shingles, |A∩B| / min, what ``agent.digest.copies`` uses),
``jaccard`` (the same shingles, |A∩B| / |A∪B|) and ``sentences`` (share of the shorter text's
sentences found verbatim in the other). Then windows as a digest sees them (``--window``
articles of one Reuters day, a quarter of them with a variant beside them) go through
``agent.digest.storylines.merge_copies`` (copies are transitive there) and the storyline grouping
(MiniLM, ``agent.brief.grouping``): a duplicate pair should be one item, and at worst one
storyline; a distinct pair should be neither one item nor, ideally, one storyline (two stories of
one topic and day may still be one storyline: reported, not a target).

Run: ``.venv/bin/python bench/bench_digest_grouping.py`` (a few minutes, most of it MiniLM).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data")

BOILERPLATE = [
    "Sign up for our morning newsletter to get the day's top stories in your inbox.",
    "Copyright {outlet}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "Reporting by {outlet} staff; editing by the business desk.",
    "Follow {outlet} on social media for the latest updates on this story.",
    "Read more: the {outlet} guide to what this means for you.",
]
OUTLETS = ["the Valley Courier", "Coast Times", "the Daily Ledger", "Metro News"]
GENERIC_TITLE_WORDS = {
    "qtr", "1st", "2nd", "3rd", "4th", "net", "shr", "sets", "set", "says", "said", "corp", "inc", "co",
    "ltd", "plc", "dividend", "div", "qtly", "quarterly", "regular", "payout", "year", "prior", "raises",
    "cuts", "up", "down", "rise", "rises", "fall", "falls", "u.s.", "us", "to", "in", "of", "the", "a",
    "for", "on", "at", "and", "by", "with", "from", "new", "report", "reports", "loss", "profit", "sees",
    "6", "nine", "mths", "oper", "group", "company", "unit", "buy", "sell", "stake", "offer", "bid",
}
THRESHOLDS = {
    "containment": (0.3, 0.4, 0.5, 0.6, 0.7),
    "jaccard": (0.2, 0.3, 0.4, 0.5),
    "sentences": (0.3, 0.5, 0.7),
}
_DATELINE = re.compile(r"^\s*[A-Z][A-Z .,'-]+,\s+\w+\s+\d+\s+-\s+")


def reuters() -> list[dict[str, Any]]:
    path = DATA / "reuters21578" / "reuters21578.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    out = []
    for r in rows:
        if not r.get("body") or not r.get("topics"):
            continue
        paras = [" ".join(p.split()) for p in re.split(r"\n\s{3,}", r["body"]) if p.strip()]
        dateline = (r.get("dateline") or "").strip()
        out.append({"id": r["id"], "title": r["title"] or "", "day": r["date"][:11].strip(),
                    "topics": set(r["topics"]), "paragraphs": paras, "dateline": dateline})
    return out


def bbc() -> list[dict[str, Any]]:
    out = []
    for line in (DATA / "bbc_news" / "bbc_news_2225.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        paras = [" ".join(p.split()) for p in r["text"].split("\n\n") if p.strip()]
        out.append({"id": r["id"], "title": r["title"], "day": "", "topics": {r["category"]},
                    "paragraphs": paras, "dateline": ""})
    return out


def body(article: dict[str, Any]) -> str:
    lead = f"{article['dateline']} " if article["dateline"] else ""
    return "\n\n".join([lead + article["paragraphs"][0], *article["paragraphs"][1:]])


def variants(article: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """The ways an outlet republishes ``article``; only those that keep 40+ words."""
    paras = article["paragraphs"]
    outlet = rng.choice(OUTLETS)
    plate = [b.format(outlet=outlet) for b in rng.sample(BOILERPLATE, 2)]
    new_dateline = f"({outlet.removeprefix('the ').upper()}) -"

    def text(ps: list[str], dateline: str | None = None, extra: list[str] | None = None) -> str:
        lead = dateline if dateline is not None else article["dateline"]
        first = f"{lead} {ps[0]}".strip() if ps else ""
        return "\n\n".join([first, *ps[1:], *(extra or [])])

    out = {
        "headline": body(article),
        "first_cut": text(paras[1:], dateline=""),
        "last_cut": text(paras[:-1]),
        "boilerplate": text(paras, extra=plate),
        "dateline": text(paras, dateline=new_dateline),
        "combined": text(paras[1:-1], dateline=new_dateline, extra=plate),
    }
    return {k: v for k, v in out.items() if len(v.split()) >= 40}


def title_words(title: str) -> set[str]:
    words = re.findall(r"[a-z0-9.']+", title.lower())
    return {w for w in words if w not in GENERIC_TITLE_WORDS and len(w) > 1}


def sentence_overlap(a: str, b: str) -> float:
    from agent.text.sentences import segment

    def sents(t: str) -> set[str]:
        return {" ".join(t[s.start:s.end].lower().split()) for s in segment(t)}

    sa, sb = sents(a), sents(b)
    if not sa or not sb:
        return 0.0
    small, big = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return len(small & big) / len(small)


def scores(a: str, b: str) -> dict[str, float]:
    """Each method's score; ``containment`` as ``agent.digest.copies.is_copy`` reads it (a short
    text counts only when contained almost whole)."""
    from agent.digest.copies import MIN_SHINGLES, SHORT_THRESHOLD, containment, shingles

    sa, sb = shingles(a), shingles(b)
    union = len(sa | sb)
    c = containment(sa, sb)
    if min(len(sa), len(sb)) < MIN_SHINGLES and c < SHORT_THRESHOLD:
        c = 0.0
    return {"containment": c, "jaccard": len(sa & sb) / union if union else 0.0,
            "sentences": sentence_overlap(a, b)}


def pairwise(dups: list[tuple[str, str, str]], distinct: list[tuple[str, str]],
             resends: list[tuple[str, str]]) -> dict[str, Any]:
    dup_scores = [(kind, scores(a, b)) for kind, a, b in dups]
    dis_scores = [scores(a, b) for a, b in distinct]
    re_scores = [scores(a, b) for a, b in resends]
    out: dict[str, Any] = {}
    for method, ts in THRESHOLDS.items():
        for t in ts:
            by_kind: dict[str, list[bool]] = defaultdict(list)
            for kind, s in dup_scores:
                by_kind[kind].append(s[method] >= t)
            merged = [m for v in by_kind.values() for m in v]
            out[f"{method}>={t}"] = {
                "duplicates_merged": round(sum(merged) / len(merged), 4),
                "by_variant": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())},
                "distinct_merged": round(sum(s[method] >= t for s in dis_scores) / len(dis_scores), 4),
                "resends_merged": round(sum(s[method] >= t for s in re_scores) / max(1, len(re_scores)), 4),
            }
    return out


def windows(days: dict[str, list[dict[str, Any]]], size: int, n_windows: int,
            rng: random.Random, thresholds: tuple[float, ...]) -> dict[str, Any]:
    """Digest-sized windows of one Reuters day with a republished variant beside a third of their
    articles, through ``merge_copies`` (at each threshold) and the storyline grouping (at the
    threshold ``agent.digest.copies`` uses)."""
    from agent.brief.grouping import article_keys, cluster
    from agent.digest.copies import COPY_THRESHOLD
    from agent.digest.storylines import merge_copies
    from agent.index.embed import LocalMiniLMEmbedder
    from agent.summary.select import sentence_vectors
    from agent.types import Article

    emb = LocalMiniLMEmbedder()
    counts: dict[float, dict[str, int]] = {t: defaultdict(int) for t in thresholds}
    missed: dict[float, dict[str, int]] = {t: defaultdict(int) for t in thresholds}
    examples: list[list[str]] = []
    busy = sorted(days, key=lambda d: -len(days[d]))[:n_windows]
    for day in busy:
        originals = rng.sample(days[day], min(size - size // 4, len(days[day])))
        arts = [Article(id=a["id"], title=a["title"].title(), text=body(a), source="Reuters")
                for a in originals]
        origin = list(range(len(originals)))  # the original each article is (a copy of)
        kinds = [""] * len(originals)
        for i in rng.sample(range(len(originals)), len(originals) // 3):
            vs = variants(originals[i], rng)
            if not vs:
                continue
            kind = rng.choice(sorted(vs))
            arts.append(Article(id=f"{originals[i]['id']}-{kind}", title=f"{originals[i]['title'].title()} "
                                "(republished)", text=vs[kind], source=rng.choice(OUTLETS)))
            origin.append(i)
            kinds.append(kind)
        keys = [article_keys(a) for a in arts]
        for t in thresholds:
            items = merge_copies(keys, t)
            item_of = {k.article.id: n for n, item in enumerate(items) for k in item.keys}
            story_of_item: dict[int, int] = {}
            if t == COPY_THRESHOLD:
                vecs = sentence_vectors([item.shown.describe() for item in items], emb)
                story_of_item = {i: g for g, members in enumerate(cluster(vecs)) for i in members}
            c = counts[t]
            for x, y in itertools.combinations(range(len(arts)), 2):
                same_item = item_of[arts[x].id] == item_of[arts[y].id]
                same_story = bool(story_of_item) and (
                    story_of_item[item_of[arts[x].id]] == story_of_item[item_of[arts[y].id]])
                if origin[x] == origin[y]:
                    c["dup"] += 1
                    c["dup_item"] += same_item
                    c["dup_story"] += same_item or same_story
                    if not same_item:
                        missed[t][kinds[y] or kinds[x]] += 1
                    continue
                a, b = originals[origin[x]], originals[origin[y]]
                if a["topics"] & b["topics"] and not title_words(a["title"]) & title_words(b["title"]):
                    c["dis"] += 1
                    c["dis_item"] += same_item
                    c["dis_story"] += same_story
                    if same_item and len(examples) < 5:
                        examples.append([a["title"], b["title"]])
    out: dict[str, Any] = {"windows": len(busy), "window_size": size, "examples_merged": examples}
    for t, c in counts.items():
        out[f"containment>={t}"] = {
            "duplicate_pairs": c["dup"], "duplicates_one_item": round(c["dup_item"] / max(1, c["dup"]), 4),
            "missed_by_variant": dict(missed[t]),
            "distinct_pairs": c["dis"], "distinct_one_item": round(c["dis_item"] / max(1, c["dis"]), 4),
        }
        if t == COPY_THRESHOLD:
            out[f"containment>={t}"] |= {
                "duplicates_one_item_or_storyline": round(c["dup_story"] / max(1, c["dup"]), 4),
                "distinct_one_storyline": round(c["dis_story"] / max(1, c["dis"]), 4),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=300, help="originals per corpus for the variants")
    ap.add_argument("--distinct", type=int, default=4000, help="distinct pairs sampled")
    ap.add_argument("--window", type=int, default=40)
    ap.add_argument("--windows", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    rt = reuters()
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in rt:
        days[a["day"]].append(a)
    usable = [a for a in rt if len(a["paragraphs"]) >= 4]
    pool = rng.sample(usable, min(args.articles, len(usable)))
    pool += rng.sample([a for a in bbc() if len(a["paragraphs"]) >= 4], args.articles)
    dups = [(kind, body(a), v) for a in pool for kind, v in variants(a, rng).items()]

    distinct: list[tuple[str, str]] = []
    resends: list[tuple[str, str]] = []
    for day_articles in days.values():
        for a, b in itertools.combinations(day_articles, 2):
            if a["title"].strip() and a["title"].strip() == b["title"].strip() and body(a) != body(b):
                resends.append((body(a), body(b)))
            elif a["topics"] & b["topics"] and not title_words(a["title"]) & title_words(b["title"]):
                distinct.append((body(a), body(b)))
    distinct = rng.sample(distinct, min(args.distinct, len(distinct)))

    result: dict[str, Any] = {
        "duplicate_pairs": len(dups), "distinct_pairs": len(distinct), "resend_pairs": len(resends),
        "pairwise": pairwise(dups, distinct, resends),
        "windows": windows(days, args.window, args.windows, rng, THRESHOLDS["containment"]),
    }
    print(json.dumps(result))
    print()
    print("| method | duplicates merged | distinct merged | same-headline re-sends merged |")
    print("|---|---:|---:|---:|")
    for name, r in result["pairwise"].items():
        print(f"| {name} | {r['duplicates_merged']:.1%} | {r['distinct_merged']:.2%} "
              f"| {r['resends_merged']:.1%} |")
    w = result["windows"]
    print()
    print(f"windows: {w['windows']} × {w['window_size']} articles of one Reuters day, variants beside "
          "a third of them")
    print()
    print("| merge_copies | duplicates one item | missed (by variant) | distinct one item "
          "| duplicates one item or storyline | distinct one storyline |")
    print("|---|---:|---|---:|---:|---:|")
    for name, r in w.items():
        if not name.startswith("containment"):
            continue
        both = r.get("duplicates_one_item_or_storyline")
        story = r.get("distinct_one_storyline")
        print(f"| {name} | {r['duplicates_one_item']:.1%} of {r['duplicate_pairs']} "
              f"| {r['missed_by_variant']} "
              f"| {r['distinct_one_item']:.2%} of {r['distinct_pairs']} | "
              f"{'—' if both is None else f'{both:.1%}'} | {'—' if story is None else f'{story:.1%}'} |")

if __name__ == "__main__":
    main()
