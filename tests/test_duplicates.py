"""Inputs that resolve to one article are one article, and JSONL lines end at ``\\n`` only.

A feed whose 50 entries link to one page: the page is fetched once, ``added 1`` and 49 duplicates
skipped (not ``updated 49``). Two JSONL lines with the same id and different text: the first is
kept, one warning names both lines, and a re-ingest reports it unchanged (not ``updated 2``).
Real local HTTP server, real Chroma, the real CLI (typer's runner).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.ingest.load import iter_articles
from agent.settings import Settings
from agent.types import Article, IngestItem
from tests.httpserver import serve
from tests.test_load import page, rss

runner = CliRunner()
BODY = " ".join(["The harbour board approved repairs to the north pier on Tuesday."] * 5)


def test_a_raw_line_separator_inside_a_string_is_not_a_line_end(tmp_path: Path) -> None:
    data = tmp_path / "items.jsonl"
    rows = [json.dumps({"title": "First", "text": BODY}),
            json.dumps({"title": "Second\u2028part", "text": "Para\u2028two\u0085three. " + BODY},
                       ensure_ascii=False),
            '{"title": "Broken", "text": ']
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "\u2028" in data.read_text(encoding="utf-8")  # raw, as JSON allows
    first, second, broken = list(iter_articles([str(data)], Settings()))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert second.title == "Second part" and second.text.startswith("Para two three.")
    assert isinstance(broken, IngestItem) and broken.error is not None
    assert broken.error.startswith(f"{data}:3: invalid JSON")


def test_the_same_jsonl_id_twice_is_one_article_and_one_warning(tmp_path: Path) -> None:
    data = tmp_path / "items.jsonl"
    rows = [{"id": "pier", "title": "Pier repairs", "text": "First version. " + BODY},
            {"id": "other", "title": "Other story", "text": "Unrelated. " + BODY},
            {"id": "pier", "title": "Pier repairs", "text": "Second version. " + BODY}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    index = str(tmp_path / "index")
    for run, expected in enumerate(("added 2, updated 0, unchanged 0", "added 0, updated 0, unchanged 2")):
        result = runner.invoke(app, ["--index", index, "ingest", str(data)])
        assert result.exit_code == 0, result.stdout + result.stderr
        assert expected in result.stdout, (run, result.stdout)
        assert "1 duplicate(s) skipped" in result.stdout
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, result.stderr
        assert f"{data}:3" in warnings[0] and f"{data}:1" in warnings[0], warnings
    listed = [json.loads(line) for line in
              runner.invoke(app, ["--index", index, "list", "--json"]).stdout.splitlines()]
    assert len(listed) == 2
    pier = next(r for r in listed if r["title"] == "Pier repairs")
    shown = runner.invoke(app, ["--index", index, "show", pier["id"], "--json"])
    assert json.loads(shown.stdout)["text"].startswith("First version.")  # the first line won


def test_fifty_feed_entries_linking_to_one_page_are_one_article(tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    with serve() as srv:
        b = srv.base_url
        srv.routes["/story"] = (200, {"Content-Type": "text/html"}, page("Pier repairs"))
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(b, [
            {"title": f"Pier repairs, update {n}", "link": f"{b}/story", "guid": f"e-{n}"}
            for n in range(50)
        ]))
        feed = srv.url("/feed")
        first = runner.invoke(app, ["--index", index, "ingest", feed, "--allow-private-fetch"])
        assert first.exit_code == 0, first.stdout + first.stderr
        assert srv.paths().count("/story") == 1  # fetched once, not 50 times
        again = runner.invoke(app, ["--index", index, "ingest", feed, "--allow-private-fetch",
                                    "--json"])
    assert "added 1, updated 0, unchanged 0, failed 0, 49 duplicate(s) skipped" in first.stdout
    assert "warning" not in first.stderr  # the same page: nothing to warn about
    statuses = [i["status"] for i in json.loads(again.stdout)["items"]]
    assert statuses == ["unchanged"] + ["duplicate"] * 49


def test_the_same_file_given_twice_is_written_once(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Pier repairs\n\n" + BODY, encoding="utf-8")
    result = runner.invoke(app, ["--index", str(tmp_path / "index"), "ingest", str(story), str(story),
                                 "--json"])
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert [i["status"] for i in items] == ["added", "duplicate"] and items[1]["warnings"] == []
