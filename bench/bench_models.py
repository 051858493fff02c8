"""Benchmark the local chat models: ours (LangChain layer) vs a raw ``llama_cpp.Llama`` call.

For each model: load time, prompt-eval tok/s on a ~1,500-token prompt, generation tok/s
(free text and schema-constrained), a second call sharing the long prefix (KV-cache
reuse), peak RSS; then the same prompt through raw ``Llama.create_chat_completion`` to
show our layer's overhead (target <= 5%). Prints JSON, then a Markdown table.

    python bench/bench_models.py                      # both models, full prompt
    python bench/bench_models.py --models fast --prompt-tokens 200 --gen-tokens 16   # smoke
    python bench/bench_models.py --wheel ~/native/llama_cpp_python-*.whl   # another llama.cpp build

``--wheel`` runs the same measurements on another build of llama-cpp-python (e.g. a native one,
to compare with the portable build setup.sh installs) without installing it: the wheel is
unpacked to a temporary folder put first on ``sys.path``. The ``build`` column names the CPU
features the library was compiled with.

Run it on a quiet machine: llama.cpp speed halves when another process shares the cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _use_wheel_from_argv() -> None:
    """Put an unpacked ``--wheel`` first on sys.path before anything imports llama_cpp."""
    if "--wheel" not in sys.argv:
        return
    import tempfile
    import zipfile

    wheel = sys.argv[sys.argv.index("--wheel") + 1]
    target = tempfile.mkdtemp(prefix="bench-llama-")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    sys.path.insert(0, target)


_use_wheel_from_argv()

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from agent.models import local  # noqa: E402
from agent.models.llama_probe import describe_features, library_dir, system_info  # noqa: E402
from agent.models.local import LocalChatModel, load_llama  # noqa: E402
from agent.models.registry import ensure_model, resolve_spec  # noqa: E402
from agent.settings import Settings  # noqa: E402

PARAGRAPH = (
    "The city council met on Monday to debate the budget. Members argued about road repairs, "
    "library hours and the cost of new buses, and the mayor promised a decision within weeks. "
)
SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "status": {"type": "string", "enum": ["answered", "not_in_sources"]},
    },
    "required": ["answer", "status"],
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_prompt(llm: Any, target_tokens: int) -> str:
    text = ""
    while len(llm.tokenize(text.encode(), add_bos=False)) < target_tokens:
        text += PARAGRAPH
    return text


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench_model(name: str, settings: Settings, prompt_tokens: int, gen_tokens: int) -> dict[str, Any]:
    path = ensure_model(settings, name)
    local._LOADED.clear()  # time a fresh load
    loaded, load_s = timed(lambda: load_llama(path, settings.models.n_ctx, settings.models.threads))
    llm = loaded.llm
    system = build_prompt(llm, prompt_tokens)
    model = LocalChatModel(
        model_path=str(path), n_ctx=settings.models.n_ctx, n_threads=settings.models.threads,
        max_tokens=gen_tokens,
    )
    ask = "Summarise the text above in one sentence."

    def ours(question: str, max_tokens: int, **kw: Any) -> Any:
        return model.invoke([SystemMessage(system), HumanMessage(question)], max_tokens=max_tokens, **kw)

    def raw(question: str, max_tokens: int) -> Any:
        return llm.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
            max_tokens=max_tokens,
            temperature=0.0,
        )

    def fresh() -> None:  # forget the KV cache so the next call evaluates the whole prompt
        llm.reset()

    # prompt eval: 1 generated token, cold cache
    fresh()
    msg, t_prompt = timed(lambda: ours(ask, 1))
    n_prompt = msg.usage_metadata["input_tokens"]
    # second call sharing the long prefix (only the new question is evaluated)
    msg2, t_prefix = timed(lambda: ours("Who met on Monday?", 1))
    # generation: warm prefix, so the time is dominated by decoding
    msg3, t_gen = timed(lambda: ours(ask, gen_tokens))
    n_gen = msg3.usage_metadata["output_tokens"]
    msg4, t_json = timed(
        lambda: ours(ask, gen_tokens, response_format={"type": "json_object", "schema": SCHEMA})
    )
    n_json = msg4.usage_metadata["output_tokens"]
    # the same through raw llama.cpp
    fresh()
    _, r_prompt = timed(lambda: raw(ask, 1))
    resp, r_gen = timed(lambda: raw(ask, gen_tokens))
    r_n_gen = resp["usage"]["completion_tokens"]
    fresh()
    _, o_prompt = timed(lambda: ours(ask, 1))  # ours again, after raw, to even out warm-up
    ours_prompt = min(t_prompt, o_prompt)
    per_tok, raw_per_tok = t_gen / max(n_gen, 1), r_gen / max(r_n_gen, 1)
    return {
        "model": resolve_spec(name).name,
        "build": describe_features(system_info()),
        "threads": settings.models.threads,
        "load_s": round(load_s, 2),
        "prompt_tokens": n_prompt,
        "prompt_tok_s": round(n_prompt / ours_prompt, 1),
        "prefix_hit_s": round(t_prefix, 3),
        "prefix_hit_prompt_tokens": msg2.usage_metadata["input_tokens"],
        "cold_prompt_s": round(ours_prompt, 3),
        "gen_tokens": n_gen,
        "gen_tok_s": round(n_gen / t_gen, 1) if n_gen else 0.0,
        "json_gen_tok_s": round(n_json / t_json, 1) if n_json else 0.0,
        "raw_prompt_tok_s": round(n_prompt / r_prompt, 1),
        "raw_gen_tok_s": round(r_n_gen / r_gen, 1) if r_n_gen else 0.0,
        "overhead_prompt_pct": round((ours_prompt - r_prompt) / r_prompt * 100, 1),
        "overhead_gen_pct": round((per_tok - raw_per_tok) / raw_per_tok * 100, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["qwen2.5-0.5b", "qwen2.5-1.5b"])
    ap.add_argument("--prompt-tokens", type=int, default=1500)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--wheel", default=None, help="measure this llama-cpp-python wheel instead")
    args = ap.parse_args()
    print(f"llama.cpp library: {library_dir()}", file=sys.stderr)
    overrides: dict[str, Any] = {"n_ctx": max(2048, args.prompt_tokens + args.gen_tokens + 256)}
    if args.threads:
        overrides["threads"] = args.threads
    settings = Settings(**overrides)
    rows = [bench_model(m, settings, args.prompt_tokens, args.gen_tokens) for m in args.models]
    print(json.dumps(rows, indent=2))
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
