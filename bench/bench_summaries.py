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

Each summary design runs in the same process on the same loaded model, side by side, by
``--methods`` (``key_sentences``, the current design, and ``full_text``, the earlier one); median
and p90 seconds and the load average are reported, since the machine may be shared.

With ``--langchain`` the same articles also go, on the same loaded model, to LangChain's own
summarisation as its docs show it (the map-reduce summarise chain, written in LCEL with
``langchain_core``; langchain-classic is not a dependency): split into ≤ 1,000-token pieces
(tiktoken), "Write a concise summary of the following" per piece, then "distill into a final,
consolidated summary" over the piece summaries, collapsing groups first when they exceed 1,000
tokens. Per article: time and ROUGE of its summary; briefing: one map-reduce over the
``--brief`` articles, timed (no citations, no figure check: the baseline a user compares with).

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


def prompt_cost(articles: list[Any], n_brief: int, st: Any) -> dict[str, Any]:
    """Model-free cost of each design: prompt tokens (tiktoken) of the per-article summary call
    (full text vs key sentences; full text may add coverage/merge calls, not counted), and of a
    briefing over the first ``n_brief`` articles (summaries design: one summary call per article
    plus at least one writing call per storyline and the overview; storylines: one call per
    storyline)."""
    from agent.brief.grouping import article_keys, group, pick
    from agent.index.embed import LocalMiniLMEmbedder
    from agent.summary import sentence_summary as ss
    from agent.summary.fulltext import summary_messages
    from agent.summary.select import key_sentences
    from agent.text.sentences import segment
    from agent.tokens import count_tokens

    def tokens_of(messages: list[Any]) -> int:
        return sum(count_tokens(str(m.content)) for m in messages)

    old, new = [], []
    for a in articles:
        old.append(tokens_of(summary_messages(a, a.text)))
        sents = segment(a.text)
        key = key_sentences(a.text, budget_tokens=st.summary.key_sentence_budget, sentences=sents)
        new.append(tokens_of(ss.messages(a, ss.Shown(a, key, sents))))
    out: dict[str, Any] = {
        "articles": len(articles),
        "summary_prompt_tokens_full_text_median": statistics.median(old),
        "summary_prompt_tokens_key_sentences_median": statistics.median(new),
        "summary_prompt_tokens_ratio": round(sum(old) / sum(new), 2),
    }
    if n_brief:
        from agent.brief.sections import Story, story_messages

        sub = articles[:n_brief]
        emb = LocalMiniLMEmbedder()
        keys = [article_keys(a) for a in sub]
        groups = group(keys, emb)
        story_tokens = []
        for g in groups:
            gk = [keys[i] for i in g]
            story = Story(gk, pick(gk), lambda a, span: None)  # type: ignore[arg-type, return-value]
            story_tokens.append(tokens_of(story_messages(story)))
        out["briefing_articles"] = len(sub)
        out["storylines"] = len(groups)
        out["briefing_storylines_calls"] = len(groups)
        out["briefing_storylines_prompt_tokens"] = sum(story_tokens)
        out["briefing_summaries_min_calls"] = len(sub) + len(groups) + 1
        out["briefing_summaries_summary_prompt_tokens"] = sum(old[:n_brief])
    return out


def full_text_summary(article: Any, model: Any, settings: Any) -> Any:
    """The full-text design, for comparison (no cache): the whole article in one call with a
    coverage call per uncovered third, map-reduce when it does not fit. In agent/ this path
    only summarises text the segmenter cannot split into key sentences."""
    from agent.ingest.chunk import chunk_text
    from agent.models.structured import model_name_of
    from agent.summary.fulltext import full_text_items
    from agent.summary.summarize import assemble_summary
    from agent.summary.verify import Verifier
    from agent.usage import track_usage

    chunks = chunk_text(article.id, article.text, max(1, settings.ingest.chunk_tokens))
    verifier = Verifier(article, chunks)
    with track_usage() as tracked:
        items, dropped, parts = full_text_items(article, model, settings, verifier, chunks)
    label = model_name_of(model, settings)
    summary = assemble_summary(article, items, label, verifier.dropped + dropped, parts)
    summary.usage = tracked.usage
    return summary


# LangChain's summarisation prompts, as its map-reduce tutorial words them.
LC_MAP = "Write a concise summary of the following:\n\n{context}"
LC_REDUCE = (
    "The following is a set of summaries:\n{docs}\n"
    "Take these and distill it into a final, consolidated summary of the main themes."
)
LC_TOKEN_MAX = 1000


def langchain_map_reduce(texts: list[str], model: Any, max_tokens: int = 400) -> str:
    """The canonical LangChain map-reduce summary of ``texts`` (one article or many)."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from agent.tokens import count_tokens, encoding

    enc = encoding()
    pieces: list[str] = []
    for text in texts:  # CharacterTextSplitter.from_tiktoken_encoder(chunk_size=1000) in effect
        ids = enc.encode(text)
        pieces += [enc.decode(ids[i : i + LC_TOKEN_MAX]) for i in range(0, len(ids), LC_TOKEN_MAX)]
    llm = model.bind(max_tokens=max_tokens)
    map_chain = ChatPromptTemplate.from_messages([("human", LC_MAP)]) | llm | StrOutputParser()
    reduce_chain = ChatPromptTemplate.from_messages([("human", LC_REDUCE)]) | llm | StrOutputParser()
    summaries = map_chain.batch([{"context": p} for p in pieces], config={"max_concurrency": 1})
    while sum(count_tokens(x) for x in summaries) > LC_TOKEN_MAX and len(summaries) > 1:
        groups: list[list[str]] = [[]]
        for x in summaries:  # collapse: reduce groups that fit, then reduce the results
            if groups[-1] and sum(count_tokens(y) for y in [*groups[-1], x]) > LC_TOKEN_MAX:
                groups.append([])
            groups[-1].append(x)
        if len(groups) == len(summaries):
            break  # each summary alone is over the limit: reduce them as they are
        summaries = [reduce_chain.invoke({"docs": "\n\n".join(g)}) for g in groups]
    return str(reduce_chain.invoke({"docs": "\n\n".join(summaries)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=50, help="CNN/DM articles to summarise")
    ap.add_argument("--brief", type=int, default=10, help="articles in the timed briefing (0 = skip)")
    ap.add_argument("--model", default=None, help="model name (default: the settings' default)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--methods", default="key_sentences,full_text",
                    help="summary designs to run side by side: key_sentences (summarize_article), "
                    "full_text (full_text_summary above)")
    ap.add_argument("--prompt-cost", action="store_true",
                    help="model-free: prompt tokens and calls of each design on --limit articles, then exit")
    ap.add_argument("--langchain", action="store_true",
                    help="also run LangChain's map-reduce summarisation on the same articles and model")
    ap.add_argument("--brief-only", action="store_true",
                    help="skip the per-article summaries and ROUGE; only time the briefing")
    args = ap.parse_args()
    unknown = set(args.methods.split(",")) - {"key_sentences", "full_text"}
    if unknown:
        ap.error(f"unknown --methods {', '.join(sorted(unknown))}: use key_sentences and/or full_text")

    from agent.api import Agent
    from agent.brief import make_briefing
    from agent.index.records import content_hash
    from agent.ingest.pipeline import ingest
    from agent.models import get_chat_model
    from agent.settings import Settings
    from agent.summary.summarize import summarize_article
    from agent.types import Article

    records = load_records(args.limit)
    work = Path(tempfile.mkdtemp(prefix="bench_summaries_"))
    model_settings = Settings(**({"model": args.model} if args.model else {}))
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

    if args.prompt_cost:
        print(json.dumps(prompt_cost(articles, args.brief, st), indent=2))
        return
    model = get_chat_model(model_settings)  # loaded once, from the user's model cache
    result: dict[str, Any] = {
        "articles": len(records),
        "model": model_settings.resolved_model,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "summaries": {},
    }
    systems: dict[str, list[dict[str, float]]] = {}
    for rec in records:
        for name, text in (rec.get("system_summaries") or {}).items():
            systems.setdefault(name, []).append(rouge(text, rec["reference_summary"]))
    result["rouge_systems"] = {k: mean_scores(v) for k, v in systems.items()}
    for method in [] if args.brief_only else args.methods.split(","):
        ours: list[dict[str, float]] = []
        seconds: list[float] = []
        kept = dropped = figures = flagged = 0
        prompt_tok: list[int] = []
        completion_tok: list[int] = []
        st_m = st.model_copy(update={"cache_dir": work / f"cache_{method}"})
        for rec, a in zip(records, articles, strict=True):
            started = time.perf_counter()
            try:
                s = (summarize_article(a, lambda: model, st_m) if method == "key_sentences"
                     else full_text_summary(a, model, st_m))
            except Exception as exc:  # one failure must not sink the benchmark
                print(f"  {method} {a.id}: FAILED {exc}", flush=True)
                continue
            seconds.append(time.perf_counter() - started)
            ours.append(rouge(s.summary, rec["reference_summary"]))
            kept += len(s.key_points)
            dropped += s.dropped
            if s.usage is not None:
                prompt_tok.append(s.usage.prompt_tokens)
                completion_tok.append(s.usage.completion_tokens)
            figures += len(s.key_figures)
            flagged += sum(f.flagged for f in s.key_figures)
            print(f"  {method} {a.id[:24]}: {seconds[-1]:.0f}s, {len(s.key_points)} points, "
                  f"dropped {s.dropped}, R1 {ours[-1]['rouge1']:.2f}, load {os.getloadavg()[0]:.1f}",
                  flush=True)
        ordered = sorted(seconds)
        result["summaries"][method] = {
            "summarised": len(ours),
            "rouge_ours": mean_scores(ours),
            "key_points_kept": kept,
            "items_dropped": dropped,
            "dropped_per_article": round(dropped / len(ours), 2) if ours else None,
            "figures": figures,
            "figures_flagged_share": round(flagged / figures, 3) if figures else None,
            "median_summary_seconds": round(statistics.median(seconds), 1) if seconds else None,
            "p90_summary_seconds": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1)
            if ordered else None,
            "seconds": [round(x, 1) for x in seconds],
            "prompt_tokens_median": statistics.median(prompt_tok) if prompt_tok else None,
            "completion_tokens_median": statistics.median(completion_tok) if completion_tok else None,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }

    if args.json:  # kept if the run is stopped during the (long) comparisons below
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.langchain and not args.brief_only:
        lc_scores: list[dict[str, float]] = []
        lc_seconds: list[float] = []
        for rec in records:
            started = time.perf_counter()
            text = langchain_map_reduce([rec["article"]], model)
            lc_seconds.append(time.perf_counter() - started)
            lc_scores.append(rouge(text, rec["reference_summary"]))
            print(f"  langchain {rec['id'][:24]}: {lc_seconds[-1]:.0f}s, R1 {lc_scores[-1]['rouge1']:.2f}, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
        ordered = sorted(lc_seconds)
        result["summaries"]["langchain_map_reduce"] = {
            "summarised": len(lc_scores),
            "rouge_ours": mean_scores(lc_scores),
            "median_summary_seconds": round(statistics.median(lc_seconds), 1),
            "p90_summary_seconds": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
            "seconds": [round(x, 1) for x in lc_seconds],
        }
    if args.langchain and args.brief:
        started = time.perf_counter()
        langchain_map_reduce([rec["article"] for rec in records[: args.brief]], model)
        result["briefing_langchain_map_reduce"] = {
            "articles": min(args.brief, len(records)),
            "cold_seconds": round(time.perf_counter() - started, 1),
        }
        lc_brief_s = result["briefing_langchain_map_reduce"]["cold_seconds"]
        print(f"  briefing langchain: {lc_brief_s:.0f}s", flush=True)

    if args.brief:
        sub = articles[: args.brief]
        brief_settings = Settings(cache_dir=work / "cache_brief", index_path=work / "index_brief",
                                  **({"model": args.model} if args.model else {}))
        agent = Agent(brief_settings)
        ingest([], agent.store, agent.embedder, brief_settings, articles=sub)
        timings = []
        usages: list[dict[str, int] | None] = []
        for label in ("cold", "cached"):
            started = time.perf_counter()
            b = make_briefing(store=agent.store, retriever=agent.retriever, model=lambda: model,
                              settings=brief_settings, max_articles=len(sub), embedder=agent.embedder)
            timings.append(time.perf_counter() - started)
            usages.append(b.usage.model_dump(include={"prompt_tokens", "completion_tokens", "calls"})
                          if b.usage else None)
            print(f"  briefing {label}: {timings[-1]:.0f}s, {len(b.sections)} sections, "
                  f"{len(b.citations())} citations, {len(b.disagreements)} disagreements, "
                  f"dropped {b.dropped}, load {os.getloadavg()[0]:.1f}", flush=True)
        result["briefing_storylines"] = {
            "articles": len(sub),
            "cold_seconds": round(timings[0], 1),
            "cached_seconds": round(timings[1], 1),
            "sections": len(b.sections),
            "citations": len(b.citations()),
            "dropped": b.dropped,
            "usage_cold": usages[0],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }

    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
