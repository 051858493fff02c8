"""The `agent` command line as a user runs it: real index, real embedder, real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def index(tmp_path: Path) -> str:
    return str(tmp_path / "index")


def test_help_teaches_with_examples() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "agent ingest examples/articles" in out
    code, out, _ = run("ingest", "--help")
    assert code == 0 and "Examples" in out and "feed" in out


def test_ingest_list_show_stats_remove_round_trip(index: str) -> None:
    code, out, _ = run("--index", index, "ingest", str(EXAMPLES), "--json")
    assert code == 0, out
    report = json.loads(out)
    added = [i for i in report["items"] if i["status"] == "added"]
    assert len(added) == 5 and not [i for i in report["items"] if i["status"] == "failed"]

    code, out, _ = run("--index", index, "ingest", str(EXAMPLES))
    assert code == 0 and "unchanged 5" in out

    code, out, _ = run("--index", index, "list", "--json")
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(rows) == 5
    dates = [r["published"] for r in rows]
    assert dates == sorted(dates, reverse=True), "newest first"

    code, out, _ = run("--index", index, "list", "--source", "Valley Courier", "--json")
    assert code == 0 and all(json.loads(x)["source"] == "Valley Courier" for x in out.splitlines())

    flood = next(r for r in rows if "312 homes" in r["title"])
    code, out, _ = run("--index", index, "show", flood["id"][:8])
    assert code == 0 and "94 millimetres" in out

    code, out, _ = run("--index", index, "stats", "--json")
    stats = json.loads(out)
    assert stats["articles"] == 5 and stats["chunks"] >= 5

    code, out, _ = run("--index", index, "remove", flood["id"][:8])
    assert code == 0 and "removed" in out
    code, out, _ = run("--index", index, "stats", "--json")
    assert json.loads(out)["articles"] == 4
    code, _, err = run("--index", index, "show", flood["id"][:8])
    assert code == 1 and "agent list" in err


def test_bad_inputs_are_one_line_errors_and_the_rest_goes_in(index: str, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(EXAMPLES / "2026-03-10_lumora_q4_results.txt", folder / "good.txt")
    (folder / "empty.txt").write_text("")
    missing = tmp_path / "nope.txt"
    code, out, err = run("--index", index, "ingest", str(folder), str(missing))
    assert code == 1
    assert "added 1" in out and "failed 2" in out
    failures = [line for line in err.splitlines() if line.startswith("failed:")]
    assert any("nope.txt" in line for line in failures) and any("empty.txt" in line for line in failures)


def test_ask_on_an_empty_index_is_a_clear_message(index: str) -> None:
    code, _, err = run("--index", index, "ask", "Anything new?")
    assert code == 1 and "agent ingest" in err


def test_config_masks_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret-1234")
    code, out, _ = run("config")
    assert code == 0 and "sk-test-very-secret" not in out and "1234" in out and "openai" in out


def test_installed_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("agent")
    if not exe.exists():
        pytest.skip("the `agent` console script is not installed in this environment")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "ingest" in proc.stdout


def test_until_a_bare_date_includes_that_whole_day_and_a_time_is_kept() -> None:
    from agent.cli.common import parse_date_option as _parse_date

    end = _parse_date("2026-03-12", "--until")
    assert end is not None and (end.day, end.hour, end.minute) == (12, 23, 59)
    start = _parse_date("2026-03-12", "--since")
    assert start is not None and (start.day, start.hour) == (12, 0)
    exact = _parse_date("2026-03-12T08:30", "--until")
    assert exact is not None and (exact.hour, exact.minute) == (8, 30)


def test_python_dash_m_agent_runs_the_cli() -> None:
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "agent", "--help"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "ingest" in out.stdout and "chat" in out.stdout


RENEWAL = """Lanternfall returns for a second season

“Lanternfall” is officially coming back. VistaStream announced Sunday that the hugely popular \
Icelandic series is renewed for a second season. Filming starts in May near Reykjavik.

The first season drew 4 million viewers in its opening week, the streamer said.
"""


@pytest.mark.slow
def test_ask_json_shows_sentence_ids_and_spans_with_the_real_model(index: str, tmp_path: Path) -> None:
    """The issue's first pattern end to end (invented names): real index, real embedder, the
    real default model (the 0.5B answers "VistaStream" here: a wrong pick the check rightly
    lets through, since that name is in the cited sentence), `agent ask --json`. The answer is
    a name from the sentence before the one that says "the series is renewed"; it must come
    back cited (or at worst marked unverified), never hidden behind "the passages do not
    answer", and every citation is its sentences."""
    article = tmp_path / "renewal.txt"
    article.write_text(RENEWAL, encoding="utf-8")
    code, out, _ = run("--index", index, "ingest", str(article), "--json")
    assert code == 0, out
    code, out, err = run("--index", index, "ask",
                         "Which hugely popular series was just renewed for another season?", "--json")
    if code != 0 and "model" in (out + err).lower() and "not installed" in (out + err).lower():
        pytest.skip(f"local model unavailable: {out + err}")
    assert code == 0, out + err
    answer = json.loads(out)
    assert answer["status"] in ("answered", "partial", "unverified"), out
    assert "Lanternfall" in answer["text"], out
    from agent import Agent

    text = Agent(index_path=index).get(answer["citations"][0]["article_id"] if answer["citations"]
                                       else answer["closest"]["article_id"]).text
    for c in answer["citations"] + ([answer["closest"]] if answer["closest"] else []):
        assert c["sentence_ids"], out
        assert c["quote"] == text[c["start"] : c["end"]], out  # verbatim at its span
    if answer["status"] != "unverified":
        # the name is carried by the cited sentence's context: its span (grown to the neighbour
        # that names it) or the article's title, as the support rule allows (docs/architecture.md)
        carried = [c for c in answer["citations"] if "Lanternfall" in c["quote"] + " " + c["title"]]
        assert carried, out
