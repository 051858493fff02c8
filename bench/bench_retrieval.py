"""Retrieval only (no model): does the gold passage reach the model? Fusion weights swept.

Two corpora from ../shared/data, read in place:
- QuAIL news: the 30 VOA articles, all 540 questions; a hit = a passage of the question's
  article among those ``Agent.search`` returns (what ``ask`` would show the model);
- SQuADShifts New Wiki (held out: not news, never used to tune anything else): each of the
  1,581 paragraphs indexed as one article, ``--squad N`` seeded questions; a hit = the
  question's paragraph among the passages, top-1 = it is the first passage.

``--weights 0.3,0.4,0.5`` sets ``agent.retrieve.hybrid.DENSE_WEIGHT`` (the dense share of the score
blend) for each run, ``rrf`` in the list runs reciprocal rank fusion instead, for comparison.
The as-of replay (bench_asof_replay.py) is the third bench the weight was chosen on.

``--budgets 500,600,700`` also sweeps the passage budget (``context_tokens``) at the default weight:
QuAIL recall and the median tokens of passages shown (prompt size is the local model's latency).

Usage: .venv/bin/python bench/bench_retrieval.py [--weights rrf,0.3,0.4,0.5] [--squad 600] [--budgets 500,700]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA_ROOT = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)


def rrf(dense: Sequence[Any], lexical: Sequence[Any], _weight: float = 0.0, k: int = 60) -> list[Any]:
    """Reciprocal rank fusion (Cormack et al. 2009), the fusion used before the score blend."""
    fused: dict[str, float] = {}
    first: dict[str, Any] = {}
    for ranking in (dense, lexical):
        for rank, p in enumerate(ranking, start=1):
            fused[p.chunk_id] = fused.get(p.chunk_id, 0.0) + 1.0 / (k + rank)
            first.setdefault(p.chunk_id, p)
    return [first[c].model_copy(update={"score": fused[c]}) for c in sorted(fused, key=lambda c: -fused[c])]


def corpus_file(rows: list[dict[str, Any]], folder: Path, name: str) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def quail_index(work: Path) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """QuAIL's VOA articles indexed in WORK/quail: (the Agent, the article rows, the questions)."""
    from agent import Agent

    quail = DATA_ROOT / "quail_news"
    arts = [json.loads(line) for line in (quail / "quail_dev_news_articles.jsonl").open()]
    questions = [json.loads(line) for line in (quail / "quail_dev_news.jsonl").open()]
    rows = [
        {"id": a["id"], "title": a.get("metadata", {}).get("title") or a["id"], "text": a["text"],
         "url": a.get("metadata", {}).get("url"), "source": "VOA"}
        for a in arts
    ]  # fmt: skip
    qa = Agent(index_path=work / "quail")
    qa.ingest([str(corpus_file(rows, work, "quail"))])
    return qa, arts, questions


def squad_index(work: Path, seed: int) -> tuple[Any, list[tuple[str, str, list[str]]]]:
    """SQuADShifts New Wiki, each paragraph its own article, indexed in WORK/squad: (the Agent,
    the questions shuffled with SEED as (question, paragraph url, gold answers))."""
    from agent import Agent

    data = json.loads((DATA_ROOT / "squadshifts_newwiki" / "new_wiki_v1.0.json").read_text())["data"]
    srows, qs = [], []
    for a in data:
        for i, para in enumerate(a["paragraphs"]):
            url = f"https://squadshifts.example/{a['title']}/{i}"
            srows.append({"title": a["title"].replace("_", " "), "text": para["context"],
                          "url": url, "source": "wiki"})  # fmt: skip
            qs += [(q["question"], url, [x["text"] for x in q["answers"]]) for q in para["qas"]]
    random.Random(seed).shuffle(qs)
    sa = Agent(index_path=work / "squad")
    sa.ingest([str(corpus_file(srows, work, "squad"))])
    return sa, qs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default="rrf,0.3,0.4,0.5,0.6")
    ap.add_argument("--squad", type=int, default=600, help="SQuADShifts questions (0 = skip)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budgets", default="", help="also sweep the passage budget (tokens), e.g. 500,600,700: "
                    "QuAIL recall and the tokens shown at the default fusion weight")
    args = ap.parse_args()

    import agent.retrieve.hybrid as retrieve
    from agent import Agent
    from agent.tokens import count_tokens

    work = Path(tempfile.mkdtemp(prefix="bench_retrieval_"))
    qa, arts, questions = quail_index(work)
    by_url = {a.url: a.id for a in qa.list()}
    gold = {a["id"]: by_url.get(a.get("metadata", {}).get("url")) for a in arts}

    squad_qs: list[tuple[str, str]] = []
    sa = None
    if args.squad:
        sa, qs = squad_index(work, args.seed)
        squad_qs = [(q, url) for q, url, _answers in qs[: args.squad]]
        s_by_url = {a.url: a.id for a in sa.list(limit=100_000)}

    blend = retrieve.fuse_scores
    default_weight = retrieve.DENSE_WEIGHT
    results: dict[str, Any] = {}
    for w in args.weights.split(","):
        if w == "rrf":
            retrieve.fuse_scores = rrf  # type: ignore[assignment]
        else:
            retrieve.fuse_scores = blend
            retrieve.DENSE_WEIGHT = float(w)
        hits = sum(
            any(p.article_id == gold[q["text_id"]] for p in qa.search(q["question"])) for q in questions
        )
        row: dict[str, Any] = {"quail_recall": round(hits / len(questions), 3)}
        if sa is not None:
            found = [sa.search(q) for q, _ in squad_qs]
            want = [s_by_url[u] for _, u in squad_qs]
            pairs = list(zip(found, want, strict=True))
            n = len(want)
            row["squad_recall"] = round(sum(any(p.article_id == g for p in ps) for ps, g in pairs) / n, 3)
            row["squad_top1"] = round(sum(bool(ps) and ps[0].article_id == g for ps, g in pairs) / n, 3)
        results[w] = row
        print(w, row, flush=True)
    retrieve.fuse_scores = blend
    retrieve.DENSE_WEIGHT = default_weight
    budgets: dict[str, Any] = {}
    for b in [int(x) for x in args.budgets.split(",") if x]:
        qb = Agent(index_path=work / "quail", context_tokens=b)
        shown = [qb.search(q["question"]) for q in questions]
        tokens = sorted(sum(count_tokens(p.text) for p in ps) for ps in shown)
        shown_for = zip(questions, shown, strict=True)
        hits = sum(any(p.article_id == gold[q["text_id"]] for p in ps) for q, ps in shown_for)
        budgets[str(b)] = {
            "quail_recall": round(hits / len(questions), 3),
            "passages_median": sorted(len(ps) for ps in shown)[len(shown) // 2],
            "tokens_median": tokens[len(tokens) // 2],
        }
        print("budget", b, budgets[str(b)], flush=True)
    summary = {"quail_questions": len(questions), "squad_questions": len(squad_qs), "runs": results,
               "budgets": budgets}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
