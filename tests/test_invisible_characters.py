"""Bidi controls and zero-width characters cannot spoof what ``list``/``show``/``search`` print.

At ingest they are removed and counted like control characters (ZWNJ/ZWJ kept where a script or
an emoji sequence spells with them); on output an index that already holds them shows them as
``\\u202e``; and a listing row is one bounded line whatever the title's length. Real CLI (typer's
runner), real Chroma, real MiniLM.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.safetext import clipped, count_controls, md_inline, strip_controls, visible

runner = CliRunner()
BODY = " ".join(["The harbour board approved repairs to the north pier on Tuesday."] * 5)
SPOOF_TITLE = "Harbour repairs \u202etxt.exe"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want": ZWNJ is part of the spelling
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji: two women and a girl
#: Every character this rule covers, and none of the kept joiners.
SPOOFERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff"


def test_each_class_is_removed_and_counted_and_script_joiners_stay() -> None:
    for ch in SPOOFERS:
        assert strip_controls(f"ab{ch}cd") == "abcd" and count_controls(f"ab{ch}cd") == 1, hex(ord(ch))
    # ZWJ/ZWNJ inside Latin words hide or split them: removed
    assert strip_controls("Har\u200dbour Ber\u200clin") == "Harbour Berlin"
    # ... but they spell Persian, Devanagari conjuncts and emoji sequences: kept
    devanagari = "\u0915\u094d\u200d\u0937"  # half-form KA + SSA
    flag = "\U0001f3f3\ufe0f\u200d\U0001f308"  # rainbow flag
    for kept in (PERSIAN, devanagari, FAMILY, flag):
        assert strip_controls(kept) == kept and count_controls(kept) == 0, kept
    assert strip_controls(SPOOF_TITLE) == "Harbour repairs txt.exe"


def test_output_shows_them_instead_of_obeying_them() -> None:
    assert visible(SPOOF_TITLE) == "Harbour repairs \\u202etxt.exe"
    assert visible("a\u2066b\u2069c\x1b") == "a\\u2066b\\u2069c\\x1b"
    assert visible(PERSIAN) == PERSIAN
    assert "\u202e" not in md_inline(SPOOF_TITLE)
    assert clipped("x" * 100_000, 120) == "x" * 119 + "…"
    assert clipped("short\n title", 120) == "short title"


def _ingest(index: Path, *paths: Path) -> dict[str, object]:
    result = runner.invoke(app, ["--index", str(index), "ingest", *map(str, paths), "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_ingest_strips_and_counts_them_and_the_listing_is_bounded(tmp_path: Path) -> None:
    rows = [
        {"id": "spoof", "title": SPOOF_TITLE, "source": "Port \u2066Wire\u2069",
         "text": f"Repairs cost \u200b$2 million. {PERSIAN} {FAMILY} " + BODY},
        {"id": "long", "title": "Very long headline " + "word " * 20_000, "text": BODY},
    ]
    data = tmp_path / "items.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    report = _ingest(index, data)
    items = report["items"]
    assert isinstance(items, list)
    assert [i["controls_removed"] for i in items] == [4, 0]  # RLO; LRI and PDI; ZWSP

    listed = runner.invoke(app, ["--index", str(index), "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.stderr
    assert not set(SPOOFERS) & set(listed.stdout)
    assert "Harbour repairs txt.exe" in listed.stdout and "Port Wire" in listed.stdout
    long_row = next(line for line in listed.stdout.splitlines() if "Very long headline" in line)
    assert long_row.rstrip().endswith("…") and len(long_row) < 200

    stored = {json.loads(line)["title"][:19]: json.loads(line)
              for line in runner.invoke(app, ["--index", str(index), "list", "--json"]).stdout.splitlines()}
    shown = runner.invoke(app, ["--index", str(index), "show", stored["Harbour repairs txt"]["id"]])
    assert shown.exit_code == 0 and not set(SPOOFERS) & set(shown.stdout)
    assert PERSIAN in shown.stdout and FAMILY in shown.stdout and "Repairs cost $2 million." in shown.stdout

    found = runner.invoke(app, ["--index", str(index), "search", "harbour pier repairs", "-k", "2"],
                          env={"COLUMNS": "200"})
    assert found.exit_code == 0, found.stderr
    assert not set(SPOOFERS) & set(found.stdout)
    assert all(len(line) < 400 for line in found.stdout.splitlines() if "Very long headline" in line)
    # ingested again: the same article, unchanged
    again = _ingest(index, data)
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]  # type: ignore[index]


def test_an_index_holding_them_already_prints_them_visibly(tmp_path: Path) -> None:
    from agent.api import Agent
    from agent.ingest.chunk import chunk_text
    from agent.types import Article

    agent = Agent(index_path=tmp_path / "old", chroma_url=None)
    raw = Article(id="0ldb1d10000", title=SPOOF_TITLE, text="Body \u202eevil\u202c text. " + BODY,
                  source="Port \u2066Wire", content_hash="h" * 16)
    chunks = chunk_text(raw.id, raw.text, 180)
    agent.store.replace_article(raw, chunks, agent.embedder.embed([c.text for c in chunks]))
    assert "\u202e" in agent.get(raw.id).title  # really stored raw
    for args in (["list"], ["show", raw.id], ["search", "harbour pier"]):
        result = runner.invoke(app, ["--index", str(tmp_path / "old"), *args], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.stderr
        assert not set(SPOOFERS) & set(result.stdout), args
        assert "\\u202e" in result.stdout and "\\u2066" in result.stdout, args
