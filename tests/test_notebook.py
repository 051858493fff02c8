"""notebooks/quickstart.ipynb runs top to bottom on the embedded local model (a few minutes)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"
KERNEL = "newsagent-test-python"  # a private name, so no installed "python3" kernel is picked


def _text(output: Any) -> str:
    """Printed text and Markdown of one cell output."""
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    return str(data.get("text/markdown", "")) + str(data.get("text/plain", ""))


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_quickstart_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    from agent.errors import ModelFileError
    from agent.models import ensure_model
    from agent.settings import Settings
    from tests.llama_server import model_cache_dir

    try:
        model_file = ensure_model(Settings(cache_dir=model_cache_dir()), "qwen2.5-1.5b")
    except ModelFileError as exc:
        pytest.skip(f"the default local model is not installed: {exc}")
    # A fresh cache for the summaries (so the run is the same from scratch every time), sharing
    # the assembled model files with the user cache.
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "models").symlink_to(model_file.parent, target_is_directory=True)
    monkeypatch.setenv("NEWSAGENT_CACHE_DIR", str(cache))

    # The kernel is this interpreter (the venv's python), found through a kernel spec that
    # exists only for this test: nothing needs `ipykernel install`, and no kernel another
    # Python installed under the same name can be used by mistake.
    kernels = tmp_path / "jupyter" / "kernels"
    kernelspec.write_kernel_spec(kernels / KERNEL)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    spec_json = (kernels / KERNEL / "kernel.json").read_text(encoding="utf-8")
    assert sys.executable.replace("\\", "\\\\") in spec_json

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit it cleared"
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=1800,  # per cell; a summary takes ~1-2 min on 2 idle cores, far more on busy ones
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    finally:  # the executed notebook, for a look at what it showed
        nbformat.write(nb, tmp_path / NOTEBOOK.name)
    print(f"notebook ran in {time.perf_counter() - started:.0f}s; outputs in {tmp_path / NOTEBOOK.name}")

    code = [c for c in nb.cells if c.cell_type == "code"]
    texts = ["\n".join(_text(o) for o in c.outputs) for c in code]
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    ingest, ask, summary, brief = texts[1], texts[2], texts[3], texts[4]
    assert "added 5" in ingest and "failed 0" in ingest
    assert "answered" in ask and "[1]" in ask and "| [1] |" in ask and "94" in ask
    # a key-sentence summary: its paragraph is the cited points, then the sources they cite
    assert re.search(r"\. \[\d+\]", summary) and "## Sources" in summary
    assert "River Ash" in brief and "## Sources" in brief and "[1]" in brief
    images = [o for o in code[5].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
