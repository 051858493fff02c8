"""Options mean what they say or are refused in one line: ``-k 0``, ``--as-of -1``, which
article ``summarize ARG`` means, and what Ctrl-C during ingest saved.

Real CLI (typer's runner, and a subprocess for SIGINT), real Chroma, real MiniLM, a real local
HTTP server that holds one page open while the interrupt arrives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.api import Agent
from agent.cli import app
from agent.cli.summaries import _resolve_article_id
from agent.errors import ArticleNotFoundError, InvalidArgumentError
from tests.httpserver import Route, serve
from tests.test_load import page

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
BODY = " ".join(["The harbour board approved repairs to the north pier on Tuesday."] * 5)


def test_k_zero_is_refused_with_the_valid_range(tmp_path: Path) -> None:
    for command in (["ask", "What was approved?"], ["search", "pier repairs"]):
        result = runner.invoke(app, ["--index", str(tmp_path / "none"), *command, "-k", "0"])
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert "-k" in result.stderr and "greater than or equal to 1" in " ".join(result.stderr.split())
    story = tmp_path / "story.txt"
    story.write_text("Pier repairs\n\n" + BODY, encoding="utf-8")
    agent = Agent(index_path=tmp_path / "index")
    agent.ingest([str(story)])
    with pytest.raises(InvalidArgumentError, match="k must be at least 1"):
        agent.search("pier repairs", k=0)
    assert len(agent.search("pier repairs", k=1)) == 1


@pytest.mark.parametrize("value", ["-1", "5", "1.5"])
def test_a_bare_number_is_not_a_date(tmp_path: Path, value: str) -> None:
    result = runner.invoke(app, ["--index", str(tmp_path / "none"), "ask", "What was approved?",
                                 "--as-of", value])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.strip() == f"error: --as-of {value!r} is not a date; use e.g. 2026-03-14"
    listed = runner.invoke(app, ["--index", str(tmp_path / "none"), "list", "--since", "2026"])
    assert "is not a date" not in listed.stderr  # a year alone still is one


def test_summarize_reads_an_id_before_a_file_of_the_same_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Pier repairs\n\n" + BODY, encoding="utf-8")
    agent = Agent(index_path=tmp_path / "index")
    agent.ingest([str(story)])
    (stored,) = agent.list()
    monkeypatch.chdir(tmp_path)
    prefix = stored.id[:6]
    Path(prefix).write_text("Other story\n\n" + BODY.replace("pier", "quay"), encoding="utf-8")
    # an id prefix the index holds wins over the file named like it: nothing is ingested
    assert _resolve_article_id(agent, prefix) == stored.id
    assert agent.stats()["articles"] == 1
    # a file named like an id that is not one: refused, with the way to say "the file"
    unknown = "abcdef0123"
    Path(unknown).write_text(page("Third story"), encoding="utf-8")  # HTML, read by its content
    with pytest.raises(ArticleNotFoundError, match=rf"write \./{unknown}"):
        _resolve_article_id(agent, unknown)
    assert agent.stats()["articles"] == 1
    # clearly a path: ingested first
    new_id = _resolve_article_id(agent, f"./{unknown}")
    assert new_id != stored.id and agent.stats()["articles"] == 2
    assert agent.get(new_id).title.startswith("Third story")
    help_text = runner.invoke(app, ["summarize", "--help"], env={"COLUMNS": "200"}).stdout
    assert "an id or id prefix the index holds always wins" in " ".join(help_text.split())


def test_ctrl_c_during_ingest_says_what_was_saved(tmp_path: Path) -> None:
    """40 JSONL articles, then a page that does not answer, then a file: the interrupt arrives
    while the page is awaited, after the first window of 32 articles was saved."""
    data = tmp_path / "items.jsonl"
    data.write_text("\n".join(json.dumps({"title": f"Story {n}", "text": f"Item {n}. " + BODY})
                              for n in range(40)) + "\n", encoding="utf-8")
    last = tmp_path / "last.txt"
    last.write_text("Last story\n\n" + BODY, encoding="utf-8")
    index = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSAGENT_INDEX__EMBED_BATCH_SIZE": "1"}
    with serve({"/slow": Route(200, {"Content-Type": "text/html"}, page("Slow"), delay=60)}) as srv:
        cmd = [sys.executable, "-m", "agent", "--index", str(index), "ingest", str(data),
               srv.url("/slow"), str(last)]
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while "/slow" not in srv.paths() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert "/slow" in srv.paths(), proc.communicate(timeout=10)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    line = err.decode().strip().splitlines()[-1]
    assert line == ("interrupted: 32 article(s) saved, 8 read but not saved, 1 input(s) not "
                    "started; run the same command again to continue (saved and unchanged "
                    "articles are skipped)"), err.decode()
    assert len(Agent(index_path=index).list()) == 32
    again = runner.invoke(app, ["--index", str(index), "ingest", str(data), str(last)])
    assert "added 9, updated 0, unchanged 32" in again.stdout, again.stdout + again.stderr
