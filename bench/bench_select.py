"""Benchmark (model-free): which key-sentence selection keeps what a summary needs? FRANK CNN/DM.

For each CNN/DM article in ../shared/data/frank/frank_summarization.jsonl (read in place), the
article is segmented with the package's segmenter and sentences are selected by each variant of
``agent.summary.select.key_sentences``; the selection is scored against the human reference highlights:

- ``F1@3``: ROUGE-1/2/L F1 of the top 3 sentences (an extractive summary the length of the
  highlights — the classic "lead-3" comparison);
- ``R@budget``: ROUGE-1/2 *recall* of the sentences a summary prompt would show (``--budget``
  tokens, at most 14 sentences): how much of the reference the model can still see, next to the
  whole article's recall (the ceiling) and the tokens shown.

Variants: lead, centrality and MMR (position + centrality + numbers/names, redundancy removed),
each with bag-of-words vectors and with MiniLM sentence embeddings (``agent.index.embed``).
``select`` below is ``key_sentences`` with the variants as options; its defaults (MMR, thirds
covered, figures kept) are the package's selection.
ROUGE is bench_summaries' (no stemming). Run: ``.venv/bin/python bench/bench_select.py``
(~1-2 minutes for 250 articles, most of it embedding).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_summaries import load_records, rouge, tokens  # noqa: E402

from agent.summary import select as ks  # noqa: E402
from agent.text.sentences import Sentence  # noqa: E402
from agent.tokens import count_tokens  # noqa: E402


def select(
    text: str,
    sents: list[Sentence],
    vectors: Any,
    *,
    method: str = "mmr",
    budget_tokens: int,
    max_sentences: int = ks.DEFAULT_MAX_SENTENCES,
    cover_thirds: bool = True,
    keep_figures: bool = True,
    lam: float = ks.MMR_LAMBDA,
) -> list[Sentence]:
    """``key_sentences`` (article order) with the compared variants: ``method`` "lead" (the
    first sentences), "centrality" (most central first, no redundancy removal) or "mmr"; third
    coverage and kept figures can be turned off; ``lam`` weighs relevance against redundancy."""
    texts = [" ".join(text[s.start : s.end].split()) for s in sents]
    usable = [i for i, t in enumerate(texts) if len(t.split()) >= ks.MIN_WORDS] or list(range(len(sents)))
    if not usable:
        return []
    cost = [count_tokens(t) for t in texts]
    if sum(cost[i] for i in usable) <= budget_tokens and len(usable) <= max_sentences:
        return [sents[i] for i in usable]
    if method == "lead":
        order = usable
    else:
        sub = vectors[usable]
        if method == "centrality":
            cent = ks.centrality(sub)
            ranked = sorted(range(len(usable)), key=lambda j: -float(cent[j]))
        else:
            ranked = ks.mmr(ks.relevance([texts[i] for i in usable], sub), sub, lam=lam, limit=max_sentences)
        order = [usable[j] for j in ranked]
    picked = ks.within_budget(order, cost, budget_tokens, max_sentences)
    where = ks.thirds(sents, len(text))
    if cover_thirds and method != "lead":
        picked = ks.cover_thirds(picked, order, where, cost, budget_tokens)
    if keep_figures and method != "lead":
        picked = ks.keep_figures(picked, order, texts, where, cost, budget_tokens, max_sentences)
    return [sents[i] for i in sorted(picked)]


def recall_n(pred: list[str], ref: list[str], n: int) -> float:
    grams = lambda t: Counter(tuple(t[i : i + n]) for i in range(len(t) - n + 1))  # noqa: E731
    gp, gr = grams(pred), grams(ref)
    return sum((gp & gr).values()) / max(1, sum(gr.values()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=250)
    ap.add_argument("--budget", type=int, default=420)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-minilm", action="store_true", help="bag-of-words variants only (no embedding)")
    ap.add_argument("--weights", default=None, help="position,centrality,info weights of MMR relevance")
    args = ap.parse_args()
    if args.weights:
        ks.W_POSITION, ks.W_CENTRALITY, ks.W_INFO = (float(x) for x in args.weights.split(","))

    from agent.index.embed import LocalMiniLMEmbedder
    from agent.text.numbers import figures
    from agent.text.sentences import segment

    records = load_records(args.limit)
    emb = None if args.no_minilm else LocalMiniLMEmbedder()
    variants: list[tuple[str, str, str, dict[str, Any]]] = [
        ("lead", "lead", "bow", {}),
        ("centrality/bow", "centrality", "bow", {}),
        ("centrality/minilm", "centrality", "minilm", {}),
        ("mmr/bow", "mmr", "bow", {}),
        ("mmr/minilm", "mmr", "minilm", {}),
        ("mmr/minilm lam=0.5", "mmr", "minilm", {"lam": 0.5}),
        ("mmr/minilm no-thirds", "mmr", "minilm", {"cover_thirds": False}),
        ("mmr/bow no-figures", "mmr", "bow", {"keep_figures": False}),
    ]
    if args.no_minilm:
        variants = [v for v in variants if v[2] != "minilm"]
    f1: dict[str, list[dict[str, float]]] = {v[0]: [] for v in variants}
    rec1: dict[str, list[float]] = {v[0]: [] for v in variants}
    rec2: dict[str, list[float]] = {v[0]: [] for v in variants}
    shown: dict[str, list[int]] = {v[0]: [] for v in variants}
    # reference figures the selection lets the model see: figures of the highlights that the
    # article states, kept / all (pooled over articles)
    figs_kept: dict[str, int] = {v[0]: 0 for v in variants}
    figs_all = 0
    ceiling1, ceiling2, whole = [], [], []
    embed_s = 0.0
    for rec in records:
        text = rec["article"]
        sents = segment(text)
        texts = [" ".join(text[s.start : s.end].split()) for s in sents]
        started = time.perf_counter()
        vecs = {"bow": ks.bag_of_words(texts), "minilm": None if emb is None else emb.embed(texts)}
        want = figures(" ".join(texts)) & figures(rec["reference_summary"])
        figs_all += len(want)
        embed_s += time.perf_counter() - started
        ref = tokens(rec["reference_summary"])
        art = tokens(text)
        ceiling1.append(recall_n(art, ref, 1))
        ceiling2.append(recall_n(art, ref, 2))
        whole.append(count_tokens(text))
        for name, method, kind, extra in variants:
            top = select(
                text,
                sents,
                vecs[kind],
                method=method,
                budget_tokens=10**6,
                max_sentences=3,
                cover_thirds=False,
                keep_figures=False,
                **{k: v for k, v in extra.items() if k not in ("cover_thirds", "keep_figures")},
            )
            f1[name].append(rouge(" ".join(text[s.start : s.end] for s in top), rec["reference_summary"]))
            picked = select(text, sents, vecs[kind], method=method, budget_tokens=args.budget, **extra)
            sel = " ".join(text[s.start : s.end] for s in picked)
            p = tokens(sel)
            rec1[name].append(recall_n(p, ref, 1))
            rec2[name].append(recall_n(p, ref, 2))
            shown[name].append(count_tokens(sel))
            figs_kept[name] += len(want & figures(sel))

    pct = lambda xs: round(100 * statistics.fmean(xs), 1)  # noqa: E731
    result: dict[str, Any] = {
        "articles": len(records),
        "budget_tokens": args.budget,
        "article_tokens_median": statistics.median(whole),
        "reference_figures_in_article": figs_all,
        "whole_article_recall": {"r1": pct(ceiling1), "r2": pct(ceiling2)},
        "embed_seconds_total": round(embed_s, 1),
        "variants": {},
    }
    for name, *_ in variants:
        scores = {k: pct([r[k] for r in f1[name]]) for k in ("rouge1", "rouge2", "rougeL")}
        result["variants"][name] = {
            "f1_at_3": scores,
            "recall_at_budget": {"r1": pct(rec1[name]), "r2": pct(rec2[name])},
            "tokens_shown_median": statistics.median(shown[name]),
            "reference_figures_shown": round(figs_kept[name] / max(1, figs_all), 3),
        }
        print(
            f"{name:24s} F1@3 {scores['rouge1']:5.1f}/{scores['rouge2']:5.1f}/{scores['rougeL']:5.1f}"
            f"   R@{args.budget} {pct(rec1[name]):5.1f}/{pct(rec2[name]):5.1f}"
            f"   shown {statistics.median(shown[name]):.0f} tok"
            f"   ref figures {figs_kept[name]}/{figs_all}",
            flush=True,
        )
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
