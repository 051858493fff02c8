"""Benchmark: the targets of the HTML views and ``agent serve`` (issue 32), in Chromium.

1. **Page weight** of a briefing over ``--articles`` (10) real news articles (FRANK's CNN/DM
   records) with its articles embedded: the bytes of ``briefing.to_html(agent.get)``, and how
   much of it is article text. Target ≤ 300 KB.
2. **First paint** of that file in the distribution's Chromium (``/usr/bin/chromium`` driven by
   Playwright): the first-contentful-paint entry and the load event of ``--repeats`` fresh
   pages (a new browser context each, so nothing is cached). Target ≤ 1 s.
3. **First streamed word, ``agent serve`` vs ``agent ask``**, same question, same model, same
   index (the example articles), alternating: ``ask`` as a fresh process (the CLI's imports,
   then ``Agent.ask(on_text=...)`` as the command runs it: model load, retrieval, first token;
   timed from the process's start), ``serve`` cold (its first question, sent the moment it
   prints its URL, timed from the server process's start: that process loads the model too)
   and warm (a later question: timed from the request). The serve times are read in Chromium,
   when the first words of the draft are on the page. Target: serve no later than ask.

The briefing is written by the real model once per ``--work`` folder (its calls are cached
there; pass the same ``--work`` to measure the page again without the model).

Run: ``.venv/bin/python bench/bench_views.py`` (about 10 minutes on 2 idle cores; the load
average is reported, the machine may be shared); ``--skip-serve`` for the file targets only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
QUESTION = "How much rain fell before the River Ash flood?"
DRAFTED = "() => (document.querySelector('.draft')?.textContent || '').trim().length > 0"
#: The paint entry is recorded after the frame is presented, possibly after the load event: wait for it.
PAINT_JS = """() => new Promise((resolve) => {
  new PerformanceObserver((list, observer) => {
    const fcp = list.getEntriesByName('first-contentful-paint')[0];
    if (!fcp) return;
    observer.disconnect();
    resolve({fcp: fcp.startTime, load: performance.getEntriesByType('navigation')[0].loadEventEnd});
  }).observe({type: 'paint', buffered: true});
})"""

#: The child process that times ``agent ask``: the CLI's imports, then the command's call.
ASK_CHILD = """
import sys, time
started = float(sys.argv[1])
import agent.cli.app  # what `agent` imports before it runs a command
from agent import Agent
agent = Agent(index_path=sys.argv[2], **({"model": sys.argv[4]} if sys.argv[4] else {}))
first = []
def on_text(text):
    if not first and text.strip():
        first.append(time.time() - started)
answer = agent.ask(sys.argv[3], on_text=on_text)
print(f"FIRST {first[0] if first else -1:.3f} DONE {time.time() - started:.3f} STATUS {answer.status}")
"""


def _shared_data() -> Path:
    """``../shared/data`` of the project, also from a git worktree (e.g. /work/wt/x → /work)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def frank_articles(n: int) -> list[Any]:
    from agent.index.records import content_hash
    from agent.types import Article

    path = _shared_data() / "frank" / "frank_summarization.jsonl"
    if not path.is_file():
        sys.exit(f"FRANK data not found at {path} (only in the project workspace)")
    out: list[Any] = []
    base = datetime(2015, 4, 1, tzinfo=UTC)
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("dataset") != "cnndm":
                continue
            text = rec["article"]
            first = rec["article_sentences"][0] if rec.get("article_sentences") else text[:80]
            when = base + timedelta(hours=len(out))
            a = Article(id=rec["id"], title=" ".join(first.split()[:14]), text=text,
                        source="CNN/Daily Mail", url=rec.get("url"), published=when)
            out.append(a.model_copy(update={"content_hash": content_hash(a)}))
            if len(out) >= n:
                return out
    return out


def page_weight(work: Path, n: int, model: str | None) -> tuple[Path, dict[str, Any]]:
    """Write the briefing page; its size, the article text in it, the model's time."""
    from agent.api import Agent
    from agent.brief import make_briefing
    from agent.ingest.pipeline import ingest
    from agent.models import get_chat_model
    from agent.settings import Settings

    chosen = {"model": model} if model else {}
    # the briefing's calls are cached in the work folder; the model file is the user's
    agent = Agent(index_path=work / "brief_index", cache_dir=work / "cache", **chosen)
    articles = frank_articles(n)
    ingest([], agent.store, agent.embedder, agent.settings, articles=articles)
    started = time.perf_counter()
    briefing = make_briefing(
        store=agent.store, retriever=agent.retriever, model=lambda: get_chat_model(Settings(**chosen)),
        settings=agent.settings, max_articles=n, embedder=agent.embedder,
    )
    seconds = time.perf_counter() - started
    html = briefing.to_html(agent.get)
    path = work / "briefing.html"
    path.write_text(html, encoding="utf-8")
    embedded = [a for a in articles if f'id="a-{a.id}"' in html]
    size = len(html.encode("utf-8"))
    return path, {
        "articles_in_briefing": len(briefing.articles),
        "articles_embedded": len(embedded),
        "citations": len(briefing.citations()),
        "bytes": size,
        "kb": round(size / 1024, 1),
        "article_text_kb": round(sum(len(a.text.encode()) for a in embedded) / 1024, 1),
        "briefing_seconds": round(seconds, 1),
        "target_kb": 300,
        "met": size <= 300 * 1024,
    }


def first_paint(path: Path, repeats: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    fcp: list[float] = []
    load: list[float] = []
    wall: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeats):
            context = browser.new_context()
            page = context.new_page()
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            wall.append(time.perf_counter() - started)
            got = page.evaluate(PAINT_JS)
            fcp.append(got["fcp"] / 1000)
            load.append(got["load"] / 1000)
            context.close()
        browser.close()
    return {
        "first_contentful_paint_s": [round(x, 3) for x in fcp],
        "median_fcp_s": round(statistics.median(fcp), 3),
        "load_event_s": [round(x, 3) for x in load],
        "goto_wall_s": [round(x, 3) for x in wall],
        "target_s": 1.0,
        "met": max(fcp) <= 1.0,
    }


def ask_first_word(index: Path, model: str | None) -> dict[str, float]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", ASK_CHILD, repr(started), str(index), QUESTION, model or ""],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    m = re.search(r"FIRST (\S+) DONE (\S+) STATUS (\S+)", out)
    assert m, out
    return {"first_word_s": float(m.group(1)), "done_s": float(m.group(2))}


def serve_first_words(index: Path, model: str | None, warm_repeats: int) -> dict[str, Any]:
    """Start ``agent serve``; its first question the moment it prints its URL, then warm ones."""
    from playwright.sync_api import sync_playwright

    chosen = ["--model", model] if model else []
    cmd = [sys.executable, "-m", "agent", "--index", str(index), *chosen, "serve", "--port", "0"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        m = re.search(r"serving (http://\S+/)", line)
        assert m, line
        url = m.group(1) + "ask?q=" + QUESTION
        up = time.monotonic() - started
        runs: list[dict[str, float]] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for i in range(1 + warm_repeats):
                page = browser.new_page()
                asked = time.monotonic()
                page.goto(url, wait_until="commit")
                page.wait_for_function(DRAFTED, timeout=900_000)
                first = time.monotonic()
                page.wait_for_selector("section.result", timeout=900_000)
                done = time.monotonic()
                base = started if i == 0 else asked
                runs.append({"first_word_s": round(first - base, 3), "done_s": round(done - base, 3)})
                print(f"  serve {'cold' if i == 0 else 'warm'}: first words {first - base:.1f}s, "
                      f"answer {done - base:.1f}s, load {os.getloadavg()[0]:.1f}", flush=True)
                page.close()
            browser.close()
        return {"url_printed_s": round(up, 2), "cold": runs[0], "warm": runs[1:]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10, help="articles in the briefing page")
    ap.add_argument("--repeats", type=int, default=3, help="fresh pages for first paint; ask/serve runs")
    ap.add_argument("--model", default=None, help="model name (default: the settings' default)")
    ap.add_argument("--work", type=Path, default=None, help="folder for indexes and caches (reused)")
    ap.add_argument("--skip-serve", action="store_true", help="only the page weight and first paint")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_views_"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"load_average_start": [round(x, 2) for x in os.getloadavg()]}

    path, result["page_weight"] = page_weight(work, args.articles, args.model)
    print("page weight:", json.dumps(result["page_weight"]), flush=True)
    result["first_paint"] = first_paint(path, args.repeats)
    print("first paint:", json.dumps(result["first_paint"]), flush=True)

    if not args.skip_serve:
        from agent.api import Agent

        index = work / "examples_index"
        if not index.exists():
            Agent(index_path=index).ingest([str(ROOT / "examples" / "articles")])
        asks = []
        for _ in range(args.repeats):
            asks.append(ask_first_word(index, args.model))
            a = asks[-1]
            print(f"  ask: first words {a['first_word_s']:.1f}s, answer {a['done_s']:.1f}s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
        serve = serve_first_words(index, args.model, args.repeats)
        ask_median = statistics.median(a["first_word_s"] for a in asks)
        warm_median = statistics.median(r["first_word_s"] for r in serve["warm"])
        result["first_word"] = {
            "ask_cold_process": asks,
            "ask_median_first_word_s": round(ask_median, 2),
            "serve": serve,
            "serve_warm_median_first_word_s": round(warm_median, 2),
            "warm_met": warm_median <= ask_median,
            "cold_met": serve["cold"]["first_word_s"] <= ask_median,
        }
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
