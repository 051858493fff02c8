"""The seed article's own question, end to end with the real model: asked with `agent ask` and in
`agent chat`, "last year" in an undated article is the article's last year."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

QUESTION = "What was the trade volume between Russia and China last year?"
ENV = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}


def _agent(index: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--index", str(index), *args],
        input=stdin, capture_output=True, text=True, env=ENV, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_the_seed_question_gets_the_record_figure_cited_and_the_undated_caveat(
    seed_article: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    _agent(index, "ingest", str(seed_article))
    for out in (_agent(index, "ask", QUESTION), _agent(index, "chat", stdin=QUESTION + "\n")):
        text = " ".join(out.split())
        assert "$240 billion [1]" in text, out
        assert "an undated article" in text, out
        assert "7.6 billion" not in text.split("Sources")[0], out
