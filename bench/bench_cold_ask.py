"""One-shot `ask` in a fresh process (what each `agent ask` is), against the canonical RAG.

Each measurement is a new Python process that opens the index, loads the model and answers one
question, streaming; times are from the start of the child (imports included) to the first
streamed answer text and to the whole answer. Modes:

- ``newsagent, prefix cache off`` (NEWSAGENT_MODELS__PREFIX_CACHE=0): the system prompt is evaluated;
- ``newsagent, prefix cache cold``: ``<cache_dir>/kv`` emptied first: evaluated once and saved;
- ``newsagent, prefix cache warm``: the saved state of the system prompt is restored;
- ``canonical``: Chroma dense top-4 → plain prompt → the same model → StrOutputParser, streamed.

Questions: ``--questions N`` BBC titles as in bench_ask_latency.py; the modes alternate per
question so machine drift hits all alike. Needs an index built by bench_ask_latency.py
(``--index``).

Note: the user's ``<cache_dir>/kv`` (a cache) is emptied before each cold run.

Usage: .venv/bin/python bench/bench_cold_ask.py --index /tmp/bbc/idx [--questions 3] [--model M]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "bbc_news" / "bbc_news_2225.jsonl"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
mode, question, index, model = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
from agent import Agent
overrides = {"index_path": index}
if model:
    overrides["model"] = model
agent = Agent(**overrides)
first = []
def seen(_text):
    if not first:
        first.append(time.perf_counter() - t0)
if mode == "canonical":
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer the question using only the context.\n\nContext:\n{context}"),
        ("human", "{question}"),
    ])
    bound = agent.chat_model.bind(max_tokens=agent.settings.answer.max_answer_tokens)
    chain = prompt | bound | StrOutputParser()
    docs = agent.store.dense_search(agent.embedder.embed_query(question), 4)
    text = ""
    for piece in chain.stream({"context": "\n\n".join(d.text for d in docs), "question": question}):
        if piece:
            seen(piece)
            text += piece
else:
    text = agent.ask(question, on_text=seen).text
total = time.perf_counter() - t0
print(json.dumps({"first_s": first[0] if first else total, "total_s": total, "text": text[:200]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--model", default="")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rows = [json.loads(line) for line in DATA.open()]
    picks = random.Random(args.seed).sample(rows, args.questions)
    questions = [f"What happened according to the report '{r['title']}'?" for r in picks]
    modes = ["off", "cold", "warm", "canonical"]
    results: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    from agent.settings import Settings

    kv = Settings().cache_dir / "kv"  # the user's prefix cache: emptied before each cold run
    for q in questions:
        for mode in modes:
            env = dict(os.environ, NEWSAGENT_MODELS__PREFIX_CACHE="0" if mode == "off" else "1")
            if mode == "cold":
                shutil.rmtree(kv, ignore_errors=True)
            cmd = [sys.executable, "-c", CHILD, str(REPO), mode, q, str(args.index), args.model]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
            if line is None:
                print(f"{mode}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            results[mode].append(json.loads(line))
            r = results[mode][-1]
            print(f"{mode:9s} first {r['first_s']:5.1f}s  whole {r['total_s']:5.1f}s  {q[:50]}", flush=True)
    summary = {
        m: {
            "n": len(v),
            "first_median_s": round(statistics.median(x["first_s"] for x in v), 2) if v else None,
            "whole_median_s": round(statistics.median(x["total_s"] for x in v), 2) if v else None,
        }
        for m, v in results.items()
    }
    report = {"questions": len(questions), "load_average": os.getloadavg(), "modes": summary}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
