"""Watched-feeds benchmark: 20 feeds with 30 new articles in all, `agent watch run` cold, then again.

    python bench/bench_watch.py
    python bench/bench_watch.py --feeds 20 --articles 30 --latency 0.1
    python bench/bench_watch.py --digest        # `watch run --digest`: fetch and digest in one go

A local HTTP server on 127.0.0.1 serves the feeds (RSS, each with an ETag and a Last-Modified)
and one HTML page per entry, the articles' text taken from the BBC news set in the shared data
(or generated paragraphs when it is absent). Each run is the real command in a child process
(``python -m agent.cli --index DIR watch run --quiet``), so its wall time includes what cron pays:
starting Python, opening the index, loading the embedder. Three runs on one fresh index:

* ``cold``: every article is new (fetch, extract, chunk, embed, write);
* ``unchanged``: nothing changed and the server honours conditional requests (20 × 304);
* ``unchanged_no_304``: nothing changed, but the server ignores ``If-None-Match`` /
  ``If-Modified-Since`` (every feed sent in full): entries are skipped by their fingerprint,
  no entry page fetched.

``--latency`` delays every response (seconds), as a distant server would. ``--digest`` runs
``watch run --digest`` instead (the default local model): ``cold`` then fetches, ingests and makes
the first digest (every model reply new), ``unchanged`` finds nothing new since it (no model is
loaded), and ``repeated`` makes the cold digest again (``agent digest --since … --until …``: every
reply from the cache). The cache folder is fresh (the installed model files are linked into it),
so no reply of an earlier run is reused. Prints one JSON line, then a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# ../shared/data beside the checkout, or above it (a git worktree's root is deeper)
DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data") / "bbc_news" / "bbc_news_2225.jsonl"

from tests.httpserver import FixtureServer, Route, serve  # noqa: E402 - after the path is set


def articles(n: int) -> list[tuple[str, str]]:
    """``n`` (title, text) pairs: BBC news articles when the shared data is there."""
    out: list[tuple[str, str]] = []
    if DATA.is_file():
        with DATA.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                out.append((row["title"], row["text"]))
                if len(out) == n:
                    return out
    while len(out) < n:
        i = len(out)
        text = "\n\n".join(f"Paragraph {p} of story {i}: the council met to discuss item {i * 7 + p}, "
                           "and members argued about roads, schools and the budget." for p in range(8))
        out.append((f"Story {i}", text))
    return out


def page(title: str, text: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (f"<html><head><title>{escape(title)}</title></head><body><article>"
            f"<h1>{escape(title)}</h1>{body}</article></body></html>")


def publish(srv: FixtureServer, feeds: int, total: int, latency: float, conditional: bool) -> None:
    """``feeds`` RSS feeds sharing ``total`` articles round-robin."""
    items: dict[int, list[str]] = {f: [] for f in range(feeds)}
    for i, (title, text) in enumerate(articles(total)):
        path = f"/a/{i}"
        srv.routes[path] = Route(200, {"Content-Type": "text/html; charset=utf-8"}, page(title, text),
                                 delay=latency)
        items[i % feeds].append(
            f"<item><title>{escape(title)}</title><link>{srv.url(path)}</link><guid>{srv.url(path)}</guid>"
            f"<pubDate>Mon, 02 Mar 2026 0{i % 10}:00:00 GMT</pubDate></item>"
        )
    for f, entries in items.items():
        headers = {"Content-Type": "application/rss+xml"}
        if conditional:
            headers |= {"ETag": f'"feed-{f}-v1"', "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT"}
        rss = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>'
               f"{''.join(entries)}</channel></rss>")
        srv.routes[f"/feed/{f}.xml"] = Route(200, headers, rss, delay=latency)


CACHE: Path | None = None  # --digest: a fresh cache folder (see the module docstring)


def agent_cli(index: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    if CACHE is not None:
        env["NEWSAGENT_CACHE_DIR"] = str(CACHE)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "--index", str(index), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=3600)
    return time.perf_counter() - started, proc


def fresh_cache(work: Path) -> Path:
    """A cache folder with no model reply in it, the installed model files linked in."""
    from agent.settings import Settings

    installed = Settings().cache_dir
    cache = work / "cache"
    cache.mkdir()
    for part in ("models", "llama-probe"):
        if (installed / part).is_dir():
            (cache / part).symlink_to(installed / part, target_is_directory=True)
    return cache


def digest_facts(digest: dict[str, Any] | None) -> dict[str, Any]:
    if not digest:
        return {"digest": None}
    usage = digest.get("usage") or {}
    return {
        "articles": len(digest["articles"]), "storylines": len(digest["storylines"]),
        "more": len(digest["more"]), "model_calls": usage.get("calls", 0),
        "prompt_tokens": usage.get("prompt_tokens", 0),
        "completion_tokens": usage.get("completion_tokens", 0),
        "since": digest["since"], "until": digest["until"],
    }


def run(index: Path, srv: FixtureServer, digest: bool = False) -> dict[str, Any]:
    """One ``watch run --json`` in a child process: wall time, the report's own time, requests."""
    before = len(srv.requests)
    seconds, proc = agent_cli(index, "watch", "run", "--json", "--quiet", *(["--digest"] if digest else []))
    if proc.returncode != 0:
        raise SystemExit(f"watch run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    body = json.loads(proc.stdout)
    report = body["report"] if digest else body
    paths = [p for p, _ in srv.requests[before:]]
    new = sum(f["new"] for f in report["feeds"])
    result = {
        "wall_seconds": round(seconds, 2), "run_seconds": round(report["seconds"], 2),
        "new": new, "not_modified": sum(f["status"] == "not_modified" for f in report["feeds"]),
        "feed_requests": sum(p.startswith("/feed/") for p in paths),
        "page_requests": sum(p.startswith("/a/") for p in paths),
    }
    if digest:
        result |= digest_facts(body["digest"])
    return result


def repeat_digest(index: Path, cold: dict[str, Any]) -> dict[str, Any]:
    """The cold digest made again over the same window: every reply from the cache."""
    seconds, proc = agent_cli(index, "digest", "--since", cold["since"], "--until", cold["until"],
                              "--format", "json")
    if proc.returncode != 0:
        raise SystemExit(f"digest failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"wall_seconds": round(seconds, 2), **digest_facts(json.loads(proc.stdout))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--articles", type=int, default=30)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    ap.add_argument("--digest", action="store_true", help="run `watch run --digest` (the local model)")
    args = ap.parse_args()

    global CACHE
    results: dict[str, Any] = {"feeds": args.feeds, "articles": args.articles, "latency": args.latency,
                               "digest": args.digest, "load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp, serve() as srv:
        index = Path(tmp) / "index"
        if args.digest:
            CACHE = fresh_cache(Path(tmp))
        publish(srv, args.feeds, args.articles, args.latency, conditional=True)
        for f in range(args.feeds):
            _, proc = agent_cli(index, "watch", "add", srv.url(f"/feed/{f}.xml"), "--name", f"Feed {f}",
                                "--allow-private-fetch")
            if proc.returncode != 0:
                raise SystemExit(f"watch add failed: {proc.stderr}")
        results["cold"] = run(index, srv, args.digest)
        results["unchanged"] = run(index, srv, args.digest)
        if args.digest:
            results["repeated"] = repeat_digest(index, results["cold"])
        else:
            publish(srv, args.feeds, args.articles, args.latency, conditional=False)
            results["unchanged_no_304"] = run(index, srv)
        results["load_average_end"] = os.getloadavg()
    print(json.dumps(results))
    print()
    if args.digest:
        print("| run | wall s | run s | new | 304s | digest articles | storylines written + also new | "
              "model calls |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name in ("cold", "unchanged", "repeated"):
            r = results[name]
            print(f"| {name} | {r['wall_seconds']} | {r.get('run_seconds', '—')} | {r.get('new', '—')} "
                  f"| {r.get('not_modified', '—')} | {r.get('articles', 0)} "
                  f"| {r.get('storylines', 0)} + {r.get('more', 0)} | {r.get('model_calls', 0)} |")
        return
    print("| run | wall s | run s | new | 304s | feed requests | page requests |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("cold", "unchanged", "unchanged_no_304"):
        r = results[name]
        print(f"| {name} | {r['wall_seconds']} | {r['run_seconds']} | {r['new']} | {r['not_modified']} "
              f"| {r['feed_requests']} | {r['page_requests']} |")


if __name__ == "__main__":
    main()
