"""Ingest benchmark: our pipeline vs. the tutorial pipeline, on the same articles and model.

    python bench/bench_ingest.py --limit 200
    python bench/bench_ingest.py --data /work/shared/data/bbc_news/bbc_news_2225.jsonl

Ours: agent.ingest.pipeline into a fresh temporary index (token-aware chunks, MiniLM
int8 with dynamic padding, atomic per-article writes), then the same ingest again
(everything unchanged: the cost of idempotence).

Naive: what ``Chroma.from_documents`` does for a LangChain user, with chromadb
directly (langchain-chroma is not a dependency): 1000/100-character recursive splits,
Chroma's own ``ONNXMiniLM_L6_V2`` embedding function (pads every batch to 256
word-pieces) pointed at the *same* int8 model files, all texts embedded at once, then
added in batches. It has no notion of "unchanged": a re-run embeds everything again.

Each pipeline runs in its own child process so that its peak RSS is its own.
Prints one JSON line, then a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "bbc_news" / "bbc_news_2225.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def subset(data: Path, limit: int | None, out: Path) -> int:
    n = 0
    with data.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                break
            dst.write(line)
            n += 1
    return n


# --- ours -------------------------------------------------------------------------------


def run_ours(jsonl: Path, workdir: Path, threads: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from agent.index.embed import LocalMiniLMEmbedder
    from agent.index.store import Store
    from agent.ingest.pipeline import ingest
    from agent.settings import Settings

    settings = Settings(index_path=workdir / "ours", chroma_url=None, collection="bench",
                        threads=threads)
    t0 = time.perf_counter()
    embedder = LocalMiniLMEmbedder(settings)
    store = Store(settings, embedder)
    load_s = time.perf_counter() - t0
    first = ingest([str(jsonl)], store, embedder, settings)
    again = ingest([str(jsonl)], store, embedder, settings)
    return {
        "articles": first.added, "failed": first.failed, "chunks": first.chunks,
        "load_seconds": round(load_s, 2), "seconds": round(first.seconds, 2),
        "reingest_seconds": round(again.seconds, 2), "reingest_unchanged": again.unchanged,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


# --- naive ------------------------------------------------------------------------------


def recursive_split(text: str, size: int = 1000, overlap: int = 100,
                    seps: tuple[str, ...] = ("\n\n", "\n", " ", "")) -> list[str]:
    """RecursiveCharacterTextSplitter's idea in plain Python (langchain-text-splitters is
    not installed): split on the coarsest separator, recurse into pieces still too long,
    merge neighbours up to ``size`` characters, carrying ``overlap`` characters over."""
    sep = next((s for s in seps if s == "" or s in text), "")
    parts = list(text) if sep == "" else text.split(sep)
    finer = seps[seps.index(sep) + 1 :] if sep else ()
    pieces: list[str] = []
    for p in parts:
        if len(p) > size and finer:
            pieces.extend(recursive_split(p, size, overlap, finer))
        elif p:
            pieces.append(p)
    chunks: list[str] = []
    current: list[str] = []
    for p in pieces:
        if current and len(sep.join([*current, p])) > size:
            chunks.append(sep.join(current))
            while current and len(sep.join(current)) > overlap:
                current.pop(0)
        current.append(p)
    if current:
        chunks.append(sep.join(current))
    return [c.strip() for c in chunks if c.strip()]


def chroma_model_dir(workdir: Path) -> Path:
    """The folder layout Chroma's ONNXMiniLM_L6_V2 expects, filled with our model files."""
    sys.path.insert(0, str(ROOT))
    from agent.index.embed import default_model_path, default_tokenizer_path

    base = workdir / "chroma_onnx"
    onnx = base / "onnx"
    onnx.mkdir(parents=True, exist_ok=True)
    tok_dir = default_tokenizer_path().parent
    (onnx / "model.onnx").symlink_to(default_model_path())
    for name in ["config.json", "special_tokens_map.json", "tokenizer_config.json",
                 "tokenizer.json", "vocab.txt"]:
        (onnx / name).symlink_to(tok_dir / name)
    return base


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def run_naive(jsonl: Path, workdir: Path) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    t0 = time.perf_counter()
    ef = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    ef.DOWNLOAD_PATH = chroma_model_dir(workdir)  # no download
    client = chromadb.PersistentClient(path=str(workdir / "naive"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    col = client.create_collection("naive", embedding_function=ef)  # type: ignore[arg-type]
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    articles = 0
    for obj in iter_jsonl(jsonl):
        articles += 1
        for piece in recursive_split(str(obj.get("text", ""))):
            texts.append(piece)
            metas.append({"title": str(obj.get("title", "")), "source": "bbc"})
    vectors = ef(texts)  # like Chroma.from_documents → embed_documents(all texts)
    batch = client.get_max_batch_size()
    for b in range(0, len(texts), batch):
        col.add(ids=[str(uuid.uuid4()) for _ in texts[b : b + batch]],
                embeddings=vectors[b : b + batch], documents=texts[b : b + batch],
                metadatas=metas[b : b + batch])  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    return {"articles": articles, "chunks": len(texts), "load_seconds": round(load_s, 2),
            "seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_mb(), 1)}


# --- driver -----------------------------------------------------------------------------


def child(phase: str, jsonl: Path, workdir: Path, threads: int) -> dict[str, Any]:
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--jsonl", str(jsonl),
         "--workdir", str(workdir), "--threads", str(threads)],
        capture_output=True, text=True, env=env, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{phase} pipeline failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def rate(n: float, s: float) -> float:
    return round(n / s, 1) if s > 0 else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSONL of articles")
    ap.add_argument("--limit", type=int, default=None, help="first N articles only")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--phase", choices=["ours", "naive"], help=argparse.SUPPRESS)
    ap.add_argument("--jsonl", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.phase:
        if args.phase == "ours":
            res = run_ours(args.jsonl, args.workdir, args.threads)
        else:
            res = run_naive(args.jsonl, args.workdir)
        print(json.dumps(res))
        return

    if not args.data.is_file():
        raise SystemExit(f"no data file {args.data}; pass --data PATH to a JSONL of articles")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        jsonl = work / "articles.jsonl"
        n = subset(args.data, args.limit, jsonl)
        ours = child("ours", jsonl, work, args.threads)
        naive = None if args.skip_naive else child("naive", jsonl, work, args.threads)

    result: dict[str, Any] = {
        "bench": "ingest", "data": str(args.data), "articles": n, "threads": args.threads,
        "ours": {**ours, "articles_per_s": rate(ours["articles"], ours["seconds"]),
                 "chunks_per_s": rate(ours["chunks"], ours["seconds"]),
                 "reingest_ratio": round(ours["reingest_seconds"] / ours["seconds"], 3)
                 if ours["seconds"] else None},
    }
    if naive:
        result["naive"] = {**naive, "articles_per_s": rate(naive["articles"], naive["seconds"]),
                           "chunks_per_s": rate(naive["chunks"], naive["seconds"])}
    print(json.dumps(result))
    o = result["ours"]
    print()
    print("| pipeline | articles | chunks | seconds | articles/s | chunks/s | re-ingest | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| newsagent | {o['articles']} | {o['chunks']} | {o['seconds']} | {o['articles_per_s']} "
          f"| {o['chunks_per_s']} | {o['reingest_seconds']} s ({o['reingest_ratio']:.1%}, "
          f"{o['reingest_unchanged']} unchanged) | {o['peak_rss_mb']} MB |")
    if naive:
        v = result["naive"]
        print(f"| naive (from_documents-style) | {v['articles']} | {v['chunks']} | {v['seconds']} "
              f"| {v['articles_per_s']} | {v['chunks_per_s']} | re-embeds all | "
              f"{v['peak_rss_mb']} MB |")


if __name__ == "__main__":
    main()
