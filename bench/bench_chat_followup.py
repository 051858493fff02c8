"""Chat follow-up latency: with and without restoring the answer prompt's KV cache after the rewrite.

A follow-up in the chat costs a rewrite call (``prompts/rewrite.md``) and then the answer. The
rewrite's prompt replaces the answer's in llama.cpp's KV cache, so without help the answer
evaluates its whole system prompt again; ``keeping_prompt_cache`` (the default) snapshots the
cache before the rewrite and puts it back after.

On the 2,225-article BBC index (reuse one with ``--index``): for each of N random articles, a
session asks "What happened according to the report '<title>'?", then the follow-up "And who
was involved in it?" and a second one "What else did they say about it?". Sessions alternate
between the two set-ups (same questions) so drift hits both. Timed per follow-up: the rewrite,
the answer's time to first streamed token after the rewrite, and the whole turn; medians are
over the follow-ups the model answered (a rewrite that retrieves nothing relevant is answered
"not in sources" without a model call, in both set-ups alike).

Usage: .venv/bin/python bench/bench_chat_followup.py [--articles 4] [--model qwen2.5-1.5b] [--index DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "bbc_news" / "bbc_news_2225.jsonl"
FOLLOW_UPS = ["And who was involved in it?", "What else did they say about it?"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--articles", type=int, default=4)
    ap.add_argument("--model", default=None)
    ap.add_argument("--index", type=Path, default=None, help="reuse an index built by an earlier run")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    import agent.models.capabilities as capabilities
    from agent import Agent

    rows = [json.loads(line) for line in args.data.open()]
    index = args.index or Path(tempfile.mkdtemp(prefix="bbc-index-"))
    corpus = index.parent / f"{index.name}-bbc.jsonl"
    with corpus.open("w") as f:
        for r in rows:
            article = {"id": r["id"], "title": r["title"], "text": r["text"], "source": "BBC"}
            f.write(json.dumps(article) + "\n")
    overrides: dict[str, Any] = {"index_path": index}
    if args.model:
        overrides["model"] = args.model
    agent = Agent(**overrides)
    agent.ingest([str(corpus)])
    agent.search("warm up the lexical index")
    kept = capabilities.keeping_prompt_cache

    def not_kept(model: Any) -> Any:
        return nullcontext()

    results: dict[str, list[dict[str, float]]] = {"cache kept": [], "cache not kept": []}
    picks = random.Random(args.seed).sample(rows, args.articles)
    for i, pick in enumerate(picks):
        for setup in (["cache kept", "cache not kept"] if i % 2 == 0 else ["cache not kept", "cache kept"]):
            capabilities.keeping_prompt_cache = kept if setup == "cache kept" else not_kept  # type: ignore[assignment]
            session = agent.chat()
            session.send(f"What happened according to the report '{pick['title']}'?")
            for follow_up in FOLLOW_UPS:
                marks: dict[str, float] = {}
                start = time.perf_counter()
                answer = session.send(
                    follow_up,
                    on_rewrite=lambda _q, m=marks: m.setdefault("rewrite", time.perf_counter()),
                    on_text=lambda _d, m=marks: m.setdefault("first", time.perf_counter()),
                )
                end = time.perf_counter()
                rewritten = marks.get("rewrite", start)
                row = {
                    "rewrite_s": rewritten - start,
                    "answer_ttft_s": marks.get("first", end) - rewritten,
                    "turn_s": end - start,
                    "model_answered": float("first" in marks),  # 0: no passage, no model call
                }
                results[setup].append(row)
                shown = {k: round(v, 2) for k, v in row.items()}
                print(f"{setup}: {json.dumps(shown)} {answer.status}", file=sys.stderr)
    capabilities.keeping_prompt_cache = kept  # type: ignore[assignment]

    def med(setup: str, key: str) -> float:
        values = [r[key] for r in results[setup] if r["model_answered"]]
        return round(statistics.median(values), 2) if values else float("nan")

    summary = {
        "model": agent.settings.resolved_model,
        "follow_ups_per_setup": len(results["cache kept"]),
        "answered_by_the_model": {k: int(sum(r["model_answered"] for r in v)) for k, v in results.items()},
        **{
            f"{setup} {key} median": med(setup, key)
            for setup in results
            for key in ("rewrite_s", "answer_ttft_s", "turn_s")
        },
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
