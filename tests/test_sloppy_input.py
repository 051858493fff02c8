"""Sloppy input that used to pass in silence: dates that cannot be read or lie in the future,
symlink loops, PDFs in folders, and library log lines in normal output.

Loading tests are pure (files in a temp folder); the report and log tests run the real
CLI with real Chroma and MiniLM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.ingest.load import iter_articles
from agent.ingest.metadata import parse_date, read_date
from agent.settings import Settings
from agent.types import Article, IngestItem

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"
BODY = (
    "The Eastfield water board approved a new treatment plant on Tuesday at a cost of "
    "$38 million, the largest investment in the town's water system since 1987."
)
runner = CliRunner()


def load(inputs: list[str]) -> list[Article | IngestItem]:
    return list(iter_articles(inputs, Settings()))


# --- item 6: dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1700000000.5, datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        (1700000000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # milliseconds
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_epoch_numbers_are_dates(value: object, expected: datetime) -> None:
    assert parse_date(value) == expected
    assert read_date(value) == (expected, None)


@pytest.mark.parametrize("value", ["yesterday", "not a date", "2026-13-45", 42, True])
def test_a_date_that_cannot_be_read_is_a_warning(value: object) -> None:
    dt, warning = read_date(value)
    assert dt is None and warning is not None and "\n" not in warning
    assert "cannot be read" in warning and repr(value) in warning and "kept the article" in warning


def test_a_future_date_is_a_warning_but_tomorrow_in_another_time_zone_is_not() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    dt, warning = read_date("2099-01-01", now=now)
    assert dt is None and warning is not None and "future" in warning and "2099-01-01" in warning
    assert read_date("2026-03-02T08:00:00+00:00", now=now)[1] is None
    assert read_date(None) == (None, None) and read_date("") == (None, None)


def _jsonl(tmp_path: Path, dates: list[object]) -> Path:
    f = tmp_path / "dates.jsonl"
    rows = [{"id": f"k{i}", "title": f"Story {i}", "text": BODY, "published": d} for i, d in enumerate(dates)]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return f


def test_jsonl_and_front_matter_dates_warn_and_keep_the_article(tmp_path: Path) -> None:
    f = _jsonl(tmp_path, ["yesterday", "not a date", 1700000000, "2099-01-01", "2026-03-01"])
    md = tmp_path / "front.md"
    md.write_text(f"---\ntitle: Front\npublished: 2026-13-45\n---\n\n{BODY}\n", encoding="utf-8")
    results = load([str(f), str(md)])
    assert all(isinstance(r, Article) for r in results), results
    got = [(r.published, r.warnings) for r in results if isinstance(r, Article)]
    yesterday, not_a_date, epoch, future, fine, front = got
    assert yesterday[0] is None and "'yesterday' cannot be read" in yesterday[1][0]
    assert not_a_date[0] is None and len(not_a_date[1]) == 1
    assert epoch == (datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC), [])
    assert future[0] is None and "lies in the future" in future[1][0]
    assert fine == (datetime(2026, 3, 1, tzinfo=UTC), [])
    assert front[0] is None and "'2026-13-45' cannot be read" in front[1][0]


def test_a_feed_entry_dated_in_the_future_warns(tmp_path: Path) -> None:
    words = " ".join(["Harbour traffic rose again in April, officials said."] * 12)
    feed = tmp_path / "f.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        f"<item><title>Later</title><guid>1</guid><pubDate>Fri, 01 Jan 2099 09:00:00 GMT</pubDate>"
        f"<description>{words}</description></item>"
        f"<item><title>Bad</title><guid>2</guid><pubDate>someday soon</pubDate>"
        f"<description>{words}</description></item></channel></rss>",
        encoding="utf-8",
    )
    later, bad = load([str(feed)])
    assert isinstance(later, Article) and later.published is None and "future" in later.warnings[0]
    assert isinstance(bad, Article) and bad.published is None and "cannot be read" in bad.warnings[0]


def test_the_cli_prints_one_warning_line_per_article_and_counts_them(tmp_path: Path) -> None:
    f = _jsonl(tmp_path, ["yesterday", "2099-01-01", 1700000000])
    index = str(tmp_path / "index")
    result = runner.invoke(app, ["--index", index, "ingest", str(f)])
    assert result.exit_code == 0, result.stderr  # the articles are kept: not a failure
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and "yesterday" in warnings[0] and "future" in warnings[1]
    assert "added 3" in result.stdout and "2 warning(s)" in result.stdout
    result = runner.invoke(app, ["--index", index, "ingest", str(f), "--json"])
    report = json.loads(result.stdout)
    assert [len(i["warnings"]) for i in report["items"]] == [1, 1, 0]
    listed = runner.invoke(app, ["--index", index, "list", "--json"]).stdout
    rows = [json.loads(x) for x in listed.splitlines()]
    assert [str(r["published"])[:10] for r in rows if r["published"]] == ["2023-11-14"]
    assert all("warnings" not in r for r in rows)  # not stored with the article


# --- item 11: symlink loops, PDFs in folders ------------------------------------------------------


def test_a_symlink_loop_on_the_command_line_has_its_own_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    dangling = tmp_path / "dangling.txt"
    os.symlink(tmp_path / "gone.txt", dangling)
    a, b, c = load([str(loop), str(dangling), str(tmp_path / "nope.txt")])
    assert isinstance(a, IngestItem)
    assert a.error == f"{loop}: symlink loop (the link points back to itself); fix or remove the link"
    assert isinstance(b, IngestItem) and b.error is not None and "broken symlink" in b.error
    assert isinstance(c, IngestItem) and c.error is not None and "no such file or folder" in c.error


def test_pdfs_in_a_folder_count_as_failed_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ay\n\n" + BODY, encoding="utf-8")
    (tmp_path / "report.PDF").write_bytes(b"%PDF-1.4 whatever")
    result = runner.invoke(app, ["--index", str(tmp_path / "index"), "ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "added 1" in result.stdout and "failed 1" in result.stdout
    assert f"failed: {tmp_path / 'report.PDF'}: PDF files are not supported yet" in result.stderr


# --- item 10: no library log lines at the default level -------------------------------------------


def test_no_library_log_lines_by_default_and_all_of_them_with_v(tmp_path: Path) -> None:
    """A real subprocess (so no test harness handler hides anything): ingest an HTML page,
    which runs trafilatura, then search, which builds a bm25s index."""
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Water plant</title></head><body><article><h1>Water plant</h1>"
        + "".join(f"<p>{BODY} Paragraph {i}.</p>" for i in range(6))
        + "</article><div></div></body></html>",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def agent(index: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agent", "--index", str(tmp_path / index), *args],
                              capture_output=True, text=True, timeout=300, env=env, check=False)

    quiet = [agent("a", "ingest", str(page), str(EXAMPLES)), agent("a", "search", "water plant cost")]
    for proc in quiet:
        assert proc.returncode == 0, proc.stderr
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines()
                 if ln.startswith(("DEBUG", "INFO", "WARNING")) or "bm25s" in ln or "trafilatura" in ln]
        assert lines == [], lines
    # -v (here after the command) still shows them: a fresh index, so bm25s builds its index.
    assert agent("b", "ingest", str(page)).returncode == 0
    loud = agent("b", "search", "water plant cost", "-v")
    assert "DEBUG bm25s: Building index from tokens" in loud.stderr


def test_the_python_api_keeps_bm25s_quiet_too() -> None:
    """An application logging at INFO must not get bm25s's DEBUG lines (bm25s sets its own
    logger to DEBUG when imported); one that logs at DEBUG still gets them."""
    code = (
        "import logging, sys; logging.basicConfig(level=getattr(logging, sys.argv[1]));"
        "import agent.retrieve.hybrid; print(logging.getLogger('bm25s').isEnabledFor(logging.DEBUG))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for level, enabled in (("INFO", "False"), ("DEBUG", "True")):
        out = subprocess.run([sys.executable, "-c", code, level], capture_output=True, text=True,
                             env=env, timeout=120, check=True)
        assert out.stdout.strip() == enabled, (level, out.stdout, out.stderr)
