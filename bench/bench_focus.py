"""Model-free: does the sentence that answers reach the model, and at how many prompt tokens?

Compares what the answer prompt shows: today's whole passages within ``context_tokens`` (the
"passages" rows) against the question's best sentences with their neighbours
(``agent.answer.focus``) chosen from a wider retrieval (the "focus" rows), at several budgets.

Answer-sentence recall:
- SQuADShifts New Wiki (held out, not news): each paragraph indexed as one article; a hit = a
  shown sentence of the question's paragraph contains a gold answer string;
- QuAIL news (30 VOA articles, the 480 answerable questions): QuAIL has no answer spans, so the
  gold sentence is the sentence of the question's article that shares the most content words
  with the question plus the correct option (a proxy, the same for every row).

Usage: .venv/bin/python bench/bench_focus.py [--squad 600] [--budgets 200,250,300,350,400] [--wide 1200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench_retrieval import quail_index, squad_index  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--squad", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budgets", default="200,250,300,350,400")
    ap.add_argument("--wide", type=int, default=1200, help="passage budget the focus rows choose from")
    ap.add_argument("--context", type=int, default=1, help="sentences kept before each chosen one")
    ap.add_argument("--wide-k", type=int, default=5, help="passages the focus rows choose from")
    ap.add_argument("--variants", default="lexical,dense")
    args = ap.parse_args()

    from agent import Agent
    from agent.answer.focus import content_terms, focus
    from agent.text.sentences import chunk_sentences, segment
    from agent.tokens import count_tokens

    work = Path(tempfile.mkdtemp(prefix="bench_focus_"))
    qa, arts, questions = quail_index(work)
    by_url = {a.url: a for a in qa.list()}
    gold_article = {a["id"]: by_url[a.get("metadata", {}).get("url")] for a in arts}

    def quail_gold(q: dict[str, Any]) -> tuple[str, tuple[int, int]]:
        art = gold_article[q["text_id"]]
        want = set(content_terms(q["question"] + " " + q["gold_answer"]))
        best = max(segment(art.text), key=lambda s: len(want & set(content_terms(art.text[s.start : s.end]))))
        return art.id, (best.start, best.end)

    quail_items = []
    for q in questions:
        if "not enough information" in q["gold_answer"].lower():
            continue
        aid, span = quail_gold(q)
        quail_items.append((q["question"], aid, span, None))

    squad_items: list[tuple[str, str, Any, list[str]]] = []
    sa = None
    if args.squad:
        sa, qs = squad_index(work, args.seed)
        s_by_url = {a.url: a.id for a in sa.list(limit=100_000)}
        squad_items = [(q, s_by_url[u], None, answers) for q, u, answers in qs[: args.squad]]

    def shown_sentences(passages: list[Any], keep: list[list[int]] | None) -> list[tuple[Any, str, int, int]]:
        out = []
        for pi, p in enumerate(passages):
            sents = chunk_sentences(p.text, p.sentences)
            idx = range(len(sents)) if keep is None else keep[pi]
            for i in idx:
                s = sents[i]
                out.append((p, p.text[s.start : s.end], p.start + s.start, p.start + s.end))
        return out

    def recall(items: list[Any], shown_per_item: list[list[tuple[Any, str, int, int]]]) -> dict[str, Any]:
        hits, tokens = 0, []
        for (_, aid, span, answers), shown in zip(items, shown_per_item, strict=True):
            tokens.append(sum(count_tokens(t) for _, t, _, _ in shown))
            hits += any(
                p.article_id == aid
                and (
                    (answers is not None and any(ans in text for ans in answers))
                    or (span is not None and a < span[1] and span[0] < b)
                )
                for p, text, a, b in shown
            )
        return {"recall": round(hits / len(items), 3), "tokens_median": statistics.median(tokens)}

    budgets = [int(x) for x in args.budgets.split(",") if x]
    embedder = qa.embedder
    results: dict[str, Any] = {}
    for name, base_agent, items in (("quail", qa, quail_items), ("squad", sa, squad_items)):
        if base_agent is None or not items:
            continue
        path = base_agent.settings.index.index_path
        at700 = Agent(index_path=path, context_tokens=700)
        wide = Agent(index_path=path, context_tokens=args.wide, top_k=args.wide_k)
        base = [at700.search(q) for q, *_ in items]
        wides = [wide.search(q) for q, *_ in items]
        res = {"passages@700": recall(items, [shown_sentences(ps, None) for ps in base])}
        print(name, "passages@700", res["passages@700"], flush=True)
        for b in budgets:
            for variant, emb in (("lexical", None), ("dense", embedder)):
                if variant not in args.variants.split(","):
                    continue
                shown = [
                    shown_sentences(ps, focus(q, ps, b, context=args.context, embedder=emb))
                    for (q, *_), ps in zip(items, wides, strict=True)
                ]
                res[f"focus-{variant}@{b}"] = recall(items, shown)
                print(name, b, variant, res[f"focus-{variant}@{b}"], flush=True)
        results[name] = {"questions": len(items), **res}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
