"""Benchmark: summary quality (ROUGE vs CNN/DailyMail references), citation honesty, speed.

Data: ../shared/data/frank/frank_summarization.jsonl (FRANK; CNN/DM records have an
``article``, a human ``reference_summary`` and ``system_summaries`` from five published
summarisers). For the first ``--limit`` CNN/DM articles it reports:

- ROUGE-1/2/L F1 of our one-paragraph ``summary`` vs the reference, next to the same scores
  of each system summary in the file (the published systems were trained on CNN/DM; ours is
  zero-shot and asked for a paragraph, so compare shapes, not just the number);
- the share of key points kept (evidence verified) vs dropped, items dropped per article,
  the share of figures flagged (number not in its quote);
- median seconds per article summary (cold), then a briefing over ``--brief`` of these
  articles cold (summaries cached by then? no: it uses a fresh cache) and again cached.

ROUGE here is implemented in a few lines (no extra dependency): lower-cased, tokens are runs
of ``[a-z0-9]`` (so "U.S." → "u", "s"; "$240" → "240"), no stemming, no stop-word removal;
ROUGE-N = clipped n-gram overlap F1, ROUGE-L = longest-common-subsequence F1 over the whole
summary (not the sentence-split "Lsum"). Numbers are therefore comparable within this table,
a little lower than ``rouge-score`` with Porter stemming.

Run: ``.venv/bin/python bench/bench_summaries.py --limit 50 --brief 10`` (the full run takes
long on a CPU: ~1 summary/minute with the 1.5B model); smoke: ``--limit 2 --brief 2``; only
the timed briefing: ``--limit 10 --brief 10 --brief-only``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _shared_data() -> Path:
    """``../shared/data`` of the project, also from a git worktree (e.g. /work/wt/x → /work)."""
    for parent in Path(__file__).resolve().parents[1:]:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path(__file__).resolve().parents[2] / "shared" / "data"


DATA = _shared_data() / "frank" / "frank_summarization.jsonl"


# --- ROUGE -------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _f1(overlap: int, n_pred: int, n_ref: int) -> float:
    if overlap == 0 or n_pred == 0 or n_ref == 0:
        return 0.0
    p, r = overlap / n_pred, overlap / n_ref
    return 2 * p * r / (p + r)


def rouge_n(pred: list[str], ref: list[str], n: int) -> float:
    grams = lambda t: Counter(tuple(t[i : i + n]) for i in range(len(t) - n + 1))  # noqa: E731
    gp, gr = grams(pred), grams(ref)
    return _f1(sum((gp & gr).values()), sum(gp.values()), sum(gr.values()))


def lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge(pred: str, ref: str) -> dict[str, float]:
    p, r = tokens(pred), tokens(ref)
    return {
        "rouge1": rouge_n(p, r, 1),
        "rouge2": rouge_n(p, r, 2),
        "rougeL": _f1(lcs(p, r), len(p), len(r)),
    }


def mean_scores(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(100 * statistics.fmean(r[k] for r in rows), 1) for k in rows[0]} if rows else {}


# --- main --------------------------------------------------------------------------------------


def load_records(limit: int) -> list[dict[str, Any]]:
    if not DATA.is_file():
        sys.exit(f"FRANK data not found at {DATA} (only in the project workspace)")
    out = []
    with DATA.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("dataset") == "cnndm":
                out.append(rec)
            if len(out) >= limit:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=50, help="CNN/DM articles to summarise")
    ap.add_argument("--brief", type=int, default=10, help="articles in the timed briefing (0 = skip)")
    ap.add_argument("--model", default=None, help="model name (default: the settings' default)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--brief-only", action="store_true",
                    help="skip the per-article summaries and ROUGE; only time the briefing")
    args = ap.parse_args()

    from agent.brief import make_briefing
    from agent.core import Agent
    from agent.ingest.pipeline import ingest
    from agent.models import get_chat_model
    from agent.settings import Settings
    from agent.store import content_hash
    from agent.summarize import summarize_article
    from agent.types import Article

    records = load_records(args.limit)
    work = Path(tempfile.mkdtemp(prefix="bench_summaries_"))
    model_settings = Settings(**({"model": args.model} if args.model else {}))
    model = get_chat_model(model_settings)  # loaded once, from the user's model cache
    st = Settings(cache_dir=work / "cache", index_path=work / "index",
                  **({"model": args.model} if args.model else {}))

    base = datetime(2015, 4, 1, tzinfo=UTC)
    articles = []
    for i, rec in enumerate(records):
        text = rec["article"]
        first = rec["article_sentences"][0] if rec.get("article_sentences") else text[:80]
        a = Article(id=rec["id"], title=" ".join(first.split()[:14]), text=text, source="cnndm",
                    url=rec.get("url"), published=base + timedelta(hours=i))
        articles.append(a.model_copy(update={"content_hash": content_hash(a)}))

    ours: list[dict[str, float]] = []
    systems: dict[str, list[dict[str, float]]] = {}
    seconds: list[float] = []
    kept = dropped = figures = flagged = 0
    for rec, a in zip(records, articles, strict=True):
        if args.brief_only:
            break
        started = time.perf_counter()
        try:
            s = summarize_article(a, model, st)
        except Exception as exc:  # one failure must not sink the benchmark
            print(f"  {a.id}: FAILED {exc}", flush=True)
            continue
        seconds.append(time.perf_counter() - started)
        ours.append(rouge(s.summary, rec["reference_summary"]))
        for name, text in (rec.get("system_summaries") or {}).items():
            systems.setdefault(name, []).append(rouge(text, rec["reference_summary"]))
        kept += len(s.key_points)
        dropped += s.dropped
        figures += len(s.key_figures)
        flagged += sum(f.flagged for f in s.key_figures)
        print(f"  {a.id[:24]}: {seconds[-1]:.0f}s, {len(s.key_points)} points, dropped {s.dropped}, "
              f"R1 {ours[-1]['rouge1']:.2f}", flush=True)

    result: dict[str, Any] = {
        "articles": len(records),
        "summarised": len(ours),
        "model": model_settings.resolved_model,
        "rouge_ours": mean_scores(ours),
        "rouge_systems": {k: mean_scores(v) for k, v in systems.items()},
        "key_points_kept": kept,
        "items_dropped": dropped,
        "key_point_keep_rate_lower_bound": round(kept / (kept + dropped), 3) if kept + dropped else None,
        "dropped_per_article": round(dropped / len(ours), 2) if ours else None,
        "figures": figures,
        "figures_flagged_share": round(flagged / figures, 3) if figures else None,
        "median_summary_seconds": round(statistics.median(seconds), 1) if seconds else None,
    }

    if args.brief:
        sub = articles[: args.brief]
        brief_settings = Settings(cache_dir=work / "cache_brief", index_path=work / "index",
                                  **({"model": args.model} if args.model else {}))
        agent = Agent(brief_settings)
        ingest([], agent.store, agent.embedder, brief_settings, articles=sub)
        timings = []
        for label in ("cold", "cached"):
            started = time.perf_counter()
            b = make_briefing(store=agent.store, retriever=agent.retriever, model=model,
                              settings=brief_settings, max_articles=len(sub))
            timings.append(time.perf_counter() - started)
            print(f"  briefing {label}: {timings[-1]:.0f}s, {len(b.sections)} sections, "
                  f"{len(b.citations())} citations, {len(b.disagreements)} disagreements, "
                  f"dropped {b.dropped}", flush=True)
        result["briefing_articles"] = len(sub)
        result["briefing_cold_seconds"] = round(timings[0], 1)
        result["briefing_cached_seconds"] = round(timings[1], 1)

    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
