"""End-to-end `ask` latency on the 2,225-article BBC index, against the canonical LangChain RAG.

Ours: hybrid retrieval (Chroma + BM25, fused, budgeted) → schema-constrained answer streamed
from the local model → sentence-id verification (agent.answer.evidence.verify). Timed per question:
retrieval, time to first streamed answer token (≈ prompt evaluation), whole answer, and the
verification step alone.

Canonical (what a LangChain tutorial user writes): Chroma dense top-4 → a plain
ChatPromptTemplate → the same in-process model → StrOutputParser, streamed; no citations.

"Our extra work" = (hybrid retrieval − dense-only retrieval) + verification, as a share of the
model's own time in our pipeline (target ≤ 10%).

Usage: .venv/bin/python bench/bench_ask_latency.py [--questions 10] [--model qwen2.5-1.5b]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "bbc_news" / "bbc_news_2225.jsonl"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))], 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--model", default=None)
    ap.add_argument("--index", type=Path, default=None, help="reuse an index built by an earlier run")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--context-tokens", type=int, default=None, help="passage budget (default: settings)")
    ap.add_argument(
        "--grammar-first", action="store_true",
        help="A/B: keep llama-cpp-python's own sampler order (grammar over the whole vocabulary first)",
    )
    args = ap.parse_args()
    if args.grammar_first:
        from agent.models import grammar_sampling

        grammar_sampling.install = lambda llm: None  # type: ignore[assignment]

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    import agent.answer.ask as answer_mod
    from agent import Agent

    rows = [json.loads(line) for line in args.data.open()]
    index = args.index or Path(tempfile.mkdtemp(prefix="bbc-index-"))
    corpus = index.parent / f"{index.name}-bbc.jsonl"
    with corpus.open("w") as f:
        for r in rows:
            f.write(
                json.dumps({"id": r["id"], "title": r["title"], "text": r["text"], "source": "BBC"}) + "\n"
            )
    overrides: dict[str, Any] = {"index_path": index}
    if args.model:
        overrides["model"] = args.model
    if args.context_tokens:
        overrides["context_tokens"] = args.context_tokens
    agent = Agent(**overrides)
    t0 = time.perf_counter()
    report = agent.ingest([str(corpus)])
    print(f"index: {report.to_markdown().strip()} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)

    rng = random.Random(args.seed)
    picks = rng.sample(rows, args.questions)
    questions = [f"What happened according to the report '{r['title']}'?" for r in picks]

    # time the verification step inside the real chain
    verify_times: list[float] = []
    real_verify = answer_mod.verify

    def timed_verify(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        out = real_verify(*a, **kw)
        verify_times.append(time.perf_counter() - t)
        return out

    answer_mod.verify = timed_verify  # type: ignore[assignment]

    model = agent.chat_model
    model.invoke("Warm-up: say ok.", max_tokens=2)
    agent.search("warm up the lexical index")

    ours: list[dict[str, float]] = []
    for q in questions:
        t = time.perf_counter()
        agent.store.dense_search(agent.embedder.embed_query(q), agent.settings.retrieval.top_k)
        dense_s = time.perf_counter() - t
        t = time.perf_counter()
        passages = agent.search(q)
        retrieval_s = time.perf_counter() - t
        first: list[float] = []
        t = time.perf_counter()
        ans = agent.ask(
            q,
            on_text=lambda _d, t=t, first=first: first.append(time.perf_counter() - t) if not first else None,
        )
        total = time.perf_counter() - t
        ours.append(
            {
                "dense_s": dense_s,
                "retrieval_s": retrieval_s,
                "ttft_s": first[0] if first else total,
                "total_s": total,
                "verify_s": verify_times[-1] if verify_times else 0.0,
                "passages": len(passages),
                "citations": len(ans.citations),
            }
        )
        print(f"ours {total:.1f}s ttft {ours[-1]['ttft_s']:.1f}s {ans.status}", file=sys.stderr)

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer the question using only the context.\n\nContext:\n{context}"),
            ("human", "{question}"),
        ]
    )
    chain = prompt | model.bind(max_tokens=agent.settings.answer.max_answer_tokens) | StrOutputParser()
    canonical: list[dict[str, float]] = []
    for q in questions:
        t = time.perf_counter()
        docs = agent.store.dense_search(agent.embedder.embed_query(q), 4)
        retrieval_s = time.perf_counter() - t
        first = []
        for piece in chain.stream({"context": "\n\n".join(d.text for d in docs), "question": q}):
            if piece and not first:
                first.append(time.perf_counter() - t)
        total = time.perf_counter() - t
        canonical.append(
            {"retrieval_s": retrieval_s, "ttft_s": first[0] if first else total, "total_s": total}
        )
        print(f"canonical {total:.1f}s", file=sys.stderr)

    def summary(rows: list[dict[str, float]]) -> dict[str, float]:
        keys = rows[0].keys()
        return {f"{k}_median": round(statistics.median(r[k] for r in rows), 3) for k in keys} | {
            f"{k}_p90": pct([r[k] for r in rows], 0.9) for k in ("total_s", "ttft_s", "retrieval_s")
        }

    s_ours, s_can = summary(ours), summary(canonical)
    model_time = [r["total_s"] - r["retrieval_s"] - r["verify_s"] for r in ours]
    extra = [(r["retrieval_s"] - r["dense_s"]) + r["verify_s"] for r in ours]
    result = {
        "model": agent.settings.resolved_model,
        "sampler": "grammar-first (llama-cpp-python)" if args.grammar_first else "grammar-last",
        "articles": report.added + report.unchanged + report.updated,
        "questions": len(questions),
        "context_tokens": agent.settings.retrieval.context_tokens,
        "ours": s_ours,
        "canonical": s_can,
        "ours_generation_median_s": round(statistics.median(r["total_s"] - r["ttft_s"] for r in ours), 3),
        "extra_work_share_of_model_time_median": round(
            statistics.median(e / m for e, m in zip(extra, model_time, strict=True)), 4
        ),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
