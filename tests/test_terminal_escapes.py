"""Issue 17 item 1: escape sequences in articles never reach the terminal.

End to end: hostile files (an RSS feed whose title is ``T &#27;]0;OWNED&#7; &#27;[2J``, JSONL and
.txt with raw ESC bytes, rich markup in a title) are ingested by the real CLI in a subprocess
(real Chroma, real MiniLM), and the bytes ``list`` / ``show`` / ``stats`` write are checked. An
index written before the rule (raw ESC stored) is printed visibly escaped. The answer, sources,
retrieval, chat and summary/briefing renderers are checked on a console forced into terminal
mode, and the Markdown outputs for link/HTML injection.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

REPO = Path(__file__).resolve().parents[1]
BODY_WORDS = " ".join(["The river rose steadily through the night and crews worked on the levee."] * 6)
MARKUP_TITLE = "[link=http://evil.example/]Click here[/link] council story"


def cli(index: Path, *args: str, color: bool = False) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "NEWSAGENT_INDEX__EMBED_BATCH_SIZE": "16"}
    env.pop("FORCE_COLOR", None)
    env.pop("NO_COLOR", None)
    if color:
        env["FORCE_COLOR"] = "1"  # rich writes as to a real terminal
    cmd = [sys.executable, "-m", "agent", "--index", str(index), *args]
    return subprocess.run(cmd, capture_output=True, timeout=300, env=env, cwd=REPO)


def hostile_inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    feed = folder / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Wire &#27;[31mRED</title><link>https://wire.example/</link><description>d</description>"
        "<item><title>T &#27;]0;OWNED&#7; &#27;[2J</title><guid>e1</guid>"
        f"<description>{BODY_WORDS} &#27;]8;;http://evil.example/&#27;\\hidden&#27;]8;;&#27;\\ "
        "link.</description></item></channel></rss>",
        encoding="utf-8",
    )
    jsonl = folder / "items.jsonl"
    rows = [
        {"title": "\u001b[5mBlinking headline", "source": "Evil\u001b]0;pwned\u0007 Wire",
         "author": "Ann\u009b2J Other", "text": "Body with \u001b[2Jclear screen. " + BODY_WORDS},
        {"title": MARKUP_TITLE, "text": "The council met. " + BODY_WORDS},
    ]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    txt = folder / "raw.txt"
    txt.write_bytes(b"Raw \x1b[1mbold\x1b[0m title\n\n" + BODY_WORDS.encode() + b" \x1b]0;gotcha\x07 end.")
    return [feed, jsonl, txt]


def assert_inert(out: bytes, *, colored: bool) -> None:
    """No byte an article put there can act on a terminal."""
    if not colored:
        assert b"\x1b" not in out, out
    assert b"\x1b]" not in out and b"\x07" not in out and b"\x1b[2J" not in out, out
    assert b"\x1b[5m" not in out and "\u009b" not in out.decode(), out
    assert b"OWNED" not in out and b"pwned" not in out and b"gotcha" not in out, out


def test_hostile_articles_are_stored_clean_and_print_inert(tmp_path: Path) -> None:
    index = tmp_path / "index"
    inputs = hostile_inputs(tmp_path / "in")
    proc = cli(index, "ingest", *map(str, inputs), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    items = report["items"]
    assert [i["status"] for i in items] == ["added"] * 4, items
    removed = {i["title"]: i["controls_removed"] for i in items}
    # feed entry: title 3 (ESC BEL ESC) + body's OSC 8 pair 4 + feed title (its source) 1;
    # JSONL: title 1 + source 2 + author 1 (a C1 CSI) + text 1; .txt: title 2 + body 2.
    assert removed == {"T": 8, "Blinking headline": 5, MARKUP_TITLE: 0, "Raw bold title": 4}

    for color in (False, True):
        listed = cli(index, "list", color=color)
        assert listed.returncode == 0, listed.stderr.decode()
        assert_inert(listed.stdout, colored=color)
        text = listed.stdout.decode()
        assert "Blinking headline" in text and "Raw bold title" in text
        assert "[link=http://evil.example/]Click here[/link]" in text  # literal, not a hyperlink
        assert b"\x1b]8;" not in listed.stdout

    rows = [json.loads(line) for line in cli(index, "list", "--json").stdout.splitlines()]
    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == {"T", "Blinking headline", MARKUP_TITLE, "Raw bold title"}
    assert by_title["Blinking headline"]["source"] == "Evil Wire"
    assert by_title["Blinking headline"]["author"] == "Ann Other"
    assert by_title["T"]["source"] == "Wire RED"
    for row in rows:
        shown = cli(index, "show", row["id"], color=True)
        assert shown.returncode == 0, shown.stderr.decode()
        assert_inert(shown.stdout, colored=True)
    shown = cli(index, "show", by_title["T"]["id"])
    assert b"hidden link." in shown.stdout and b"\x1b" not in shown.stdout
    stats = cli(index, "stats", color=True)
    assert stats.returncode == 0 and b"\x1b]" not in stats.stdout and b"\x1b[31m" not in stats.stdout


def test_an_index_written_before_the_rule_prints_escapes_visibly(tmp_path: Path) -> None:
    """Defence in depth: raw ESC already in an index is shown as ``\\x1b``, never sent."""
    from agent.api import Agent
    from agent.ingest.chunk import chunk_text
    from agent.types import Article

    index = tmp_path / "old"
    agent = Agent(index_path=index, chroma_url=None)
    text = "Old body \x1b]0;OWNED\x07 with \x1b[2J escapes. " + BODY_WORDS
    raw = Article(id="0ld1ndex0000", title="Old \x1b[2J title", text=text, source="Src\x07",
                  content_hash="h" * 16)
    chunks = chunk_text(raw.id, raw.text, 180)
    agent.store.replace_article(raw, chunks, agent.embedder.embed([c.text for c in chunks]))
    assert "\x1b" in agent.get(raw.id).title  # really stored raw
    for args in (["list"], ["show", raw.id]):
        proc = cli(index, *args, color=True)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"\x1b]" not in proc.stdout and b"\x07" not in proc.stdout
        assert b"\x1b[2J" not in proc.stdout
        assert b"\\x1b[2J" in proc.stdout  # shown, so the reader sees something was there


@pytest.mark.slow
def test_real_ask_on_an_old_hostile_index_prints_inert(tmp_path: Path) -> None:
    """``agent ask --explain`` with the real 0.5B model over an index holding raw escapes: the
    answer, its sources and the passages considered reach the terminal inert."""
    from agent.api import Agent
    from agent.ingest.chunk import chunk_text
    from agent.types import Article
    from tests.llama_server import fast_model_path, model_cache_dir

    try:
        fast_model_path()
    except Exception as exc:  # noqa: BLE001 - not installed on this machine
        pytest.skip(f"the fast model is not available: {exc}")
    index = tmp_path / "old"
    agent = Agent(index_path=index, chroma_url=None)
    text = ("Heavy rain flooded the harbour district on Tuesday \x1b]0;OWNED\x07after 94 millimetres "
            "fell in six hours.\x1b[2J Crews pumped water from 40 homes overnight.")
    raw = Article(id="harb0urfl00d", title="Harbour \x1b]0;OWNED\x07flood \x1b[2J", text=text,
                  source="Port \x1b[31mNews", content_hash="h" * 16)
    chunks = chunk_text(raw.id, raw.text, 180)
    agent.store.replace_article(raw, chunks, agent.embedder.embed([c.text for c in chunks]))
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "--index", str(index), "--model", "qwen2.5-0.5b", "ask",
         "How much rain fell in the harbour district?", "--explain"],
        capture_output=True, timeout=600, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "FORCE_COLOR": "1",
             "NEWSAGENT_CACHE_DIR": str(model_cache_dir()), "NEWSAGENT_ANSWER__MAX_ANSWER_TOKENS": "120"},
    )
    assert proc.returncode == 0, proc.stderr.decode()
    printed = proc.stdout.decode()
    assert_terminal_safe(printed)
    assert "OWNED" not in printed.replace("\\x1b]0;OWNED\\x07", "")  # only in its visible form
    assert "Harbour \\x1b]0;OWNED\\x07flood \\x1b[2J" in plain(printed)  # --explain lists it


# --------------------------------------------------------------------------- renderers


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, color_system="truecolor", width=160), out


ESC_TITLE = "T \x1b]0;OWNED\x07 \x1b[2J"


def hostile_citation(n: int = 1) -> object:
    from agent.types import Citation

    return Citation(n=n, article_id="abc123", title=ESC_TITLE + " [link=http://evil.example/]x[/link]",
                    url="http://e.example/\x1b[2J", source="Src \x1b]8;;http://evil/\x1b\\",
                    quote="quoted \x1b[31mred\x1b[0m words", start=0, end=10, chunk_id="abc123:0")


def assert_terminal_safe(printed: str) -> None:
    """Nothing from an article acts on the terminal. Rich's own styling (SGR) is fine, and so is
    an OSC 8 link rich makes for a URL it shows in full; a link to where article text pointed
    (evil.example, javascript:) is not, nor a title change, bell, clear-screen or colour."""
    for bad in ("\x1b]0;", "\x1b]2;", "\x07", "\x1b[2J", "\x1b[31m", "\x1b[5m"):
        assert bad not in printed, (bad, printed)
    targets = re.findall(r"\x1b\]8;[^;]*;([^\x1b\x07]*)", printed)
    assert not [t for t in targets if "evil" in t or "javascript" in t], targets


def plain(printed: str) -> str:
    """The text of a styled terminal capture: rich's SGR and cursor codes removed."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", printed)


def test_answer_sources_and_retrieval_render_inert() -> None:
    from datetime import UTC, datetime

    from agent.cli.render import print_answer, print_retrieval, streaming
    from agent.types import Answer, ConsideredPassage, RetrievalInfo

    answer = Answer(question="q", text="The model echoed \x1b]0;OWNED\x07 it [1].",
                    citations=[hostile_citation()], status="partial")  # type: ignore[list-item]
    console, out = terminal()
    print_answer(console, answer)
    info = RetrievalInfo(as_of=datetime(2026, 3, 1, tzinfo=UTC), query="q \x1b[2J",
                         filters={"source": "S\x1b]0;x\x07"},
                         passages=[ConsideredPassage(chunk_id="c:0", article_id="c", title=ESC_TITLE)])
    print_retrieval(console, info)
    with streaming(console) as on_text:
        on_text("streamed \x1b[2J text")
    printed = out.getvalue()
    assert_terminal_safe(printed)
    assert "\\x1b]0;OWNED\\x07" in plain(printed)
    assert "[link=http://evil.example/]x[/link]" in plain(printed)


def test_chat_open_and_summary_and_briefing_render_inert(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    from agent.cli.render import OutputFormat, emit
    from agent.types import (
        ArticleSummary,
        Briefing,
        BriefingArticle,
        BriefingSection,
        BriefingSentence,
        KeyPoint,
    )

    cite = hostile_citation()
    summary = ArticleSummary(
        article_id="abc123", title=ESC_TITLE, source="Src\x1b[31m", headline="Head \x1b]0;x\x07",
        summary="Sum <script>alert(1)</script> [click](javascript:alert(1))",
        key_points=[KeyPoint(text="Point \x1b[2J", citations=[cite])],  # type: ignore[list-item]
        people=["[Evil](http://evil.example/)"],
    )
    briefing = Briefing(
        title="Brief \x1b[2J", overview=[BriefingSentence(text="Over <b>x</b>", citations=[cite])],  # type: ignore[list-item]
        sections=[BriefingSection(heading="Sec \x1b]0;t\x07",
                                  sentences=[BriefingSentence(text="S1", citations=[cite])])],  # type: ignore[list-item]
        articles=[BriefingArticle(article_id="abc123", title="[a](javascript:x) <img src=x>",
                                  source="S", url="http://e.example/a>b")],
    )
    for obj in (summary, briefing):
        for fmt in (OutputFormat.rich, OutputFormat.md):
            console, out = terminal()
            emit(obj, fmt, None, console)
            assert_terminal_safe(out.getvalue())
        md = obj.to_markdown()
        assert "\x1b" not in md and "\x07" not in md
        html = MarkdownIt("commonmark").render(md)  # what a Markdown viewer shows
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert 'href="javascript' not in html and "href=\"http://evil.example" not in html
        assert "&lt;" in html  # the markup is shown as text
        written = tmp_path / f"{type(obj).__name__}.md"
        emit(obj, OutputFormat.md, written, Console(file=io.StringIO()))
        assert "\x1b" not in written.read_text(encoding="utf-8")


def test_chat_open_shows_the_article_text_inert() -> None:
    from agent.cli.chat import ChatRepl
    from agent.types import Answer, Article

    cite = hostile_citation()
    article = Article(id="abc123", title=ESC_TITLE, text="quoted \x1b[31mred\x1b[0m words after \x1b[2J")

    class _Agent:
        def get(self, article_id: str) -> Article:
            return article

    class _Session:
        agent = _Agent()
        last_answer = Answer(question="q", text="x [1]", citations=[cite])  # type: ignore[list-item]

    console, out = terminal()
    repl = ChatRepl(_Session(), console, lambda _r: "", interactive=False)  # type: ignore[arg-type]
    repl.cmd_open("1")
    repl.cmd_sources("")
    assert_terminal_safe(out.getvalue())
    assert "\\x1b[31mred" in plain(out.getvalue())
