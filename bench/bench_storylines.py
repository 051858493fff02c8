"""Benchmark (model-free): which clustering threshold groups a briefing's articles into storylines?

Data: RGB en_fact (../shared/data/rgb_en_fact/en_fact.json, read in place). Each item becomes two
articles about one storyline — one from its true snippets, one from its counterfactual snippets
(the same event reported differently, exactly what a storyline must hold together) — and the
storyline label is the item's query (two items with the same query are one storyline). Items are
taken in windows of ``--window`` consecutive items, i.e. 2 × window articles per "briefing";
consecutive RGB items are often near neighbours ("Wimbledon women's singles 2018 / 2019 / 2021",
"Who acquired Instagram / WhatsApp"), the hard case of different storylines on one topic.

For each threshold of ``agent.brief.grouping.cluster`` (average link, cosine, MiniLM vectors of the
title + 3 key sentences, as ``agent.brief.grouping.group`` does) it reports pairwise precision,
recall and F1 (a pair = two articles put in one group) over all windows, and the mean number of
groups per window against the true number. Title: the first 10 words of the article's first
snippet (RGB has none; the query would give the answer away).

Run: ``.venv/bin/python bench/bench_storylines.py`` (about a minute, most of it embedding).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_summaries import _shared_data  # noqa: E402

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


def pairs(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--window", type=int, default=8, help="RGB items per simulated briefing")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from agent.brief.grouping import article_keys, cluster
    from agent.index.embed import LocalMiniLMEmbedder
    from agent.types import Article

    path = _shared_data() / "rgb_en_fact" / "en_fact.json"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    emb = LocalMiniLMEmbedder()
    arts: list[tuple[Article, str]] = []
    for r in rows:
        for kind in ("positive", "positive_wrong"):
            snippets = [s for s in r[kind] if s.strip()]
            if not snippets:
                continue
            title = " ".join(snippets[0].split()[:10])
            a = Article(id=f"{r['id']}-{kind}", title=title, text="\n\n".join(snippets))
            arts.append((a, r["query"].strip().casefold()))
    keys = [article_keys(a, emb) for a, _ in arts]
    vecs = emb.embed([k.describe() for k in keys])
    labels = [label for _, label in arts]

    windows: list[list[int]] = []
    by_item: list[list[int]] = []
    for i, (a, _) in enumerate(arts):
        item = a.id.split("-")[0]
        if by_item and arts[by_item[-1][0]][0].id.split("-")[0] == item:
            by_item[-1].append(i)
        else:
            by_item.append([i])
    for w in range(0, len(by_item), args.window):
        windows.append([i for item in by_item[w : w + args.window] for i in item])

    result: dict[str, Any] = {"articles": len(arts), "windows": len(windows), "thresholds": {}}
    for t in THRESHOLDS:
        tp = fp = fn = 0
        n_groups, n_true = [], []
        for win in windows:
            groups = cluster(vecs[win], t)
            got = pairs([[win[i] for i in g] for g in groups])
            truth_groups: dict[str, list[int]] = {}
            for i in win:
                truth_groups.setdefault(labels[i], []).append(i)
            want = pairs(list(truth_groups.values()))
            tp += len(got & want)
            fp += len(got - want)
            fn += len(want - got)
            n_groups.append(len(groups))
            n_true.append(len(truth_groups))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        result["thresholds"][str(t)] = {
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(f1, 3),
            "groups_per_window": round(statistics.fmean(n_groups), 2),
            "true_groups_per_window": round(statistics.fmean(n_true), 2),
        }
        print(
            f"threshold {t:.2f}: P {p:.3f} R {r:.3f} F1 {f1:.3f}  groups {statistics.fmean(n_groups):.1f}"
            f" (true {statistics.fmean(n_true):.1f})",
            flush=True,
        )
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
