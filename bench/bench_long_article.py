"""How long a huge one-article file keeps the CLI silent (issue 17 item 8).

Writes a one-line .txt of ``--mb`` megabytes (news-like sentences, no paragraph breaks), runs
``agent ingest`` on it in a subprocess with stderr/stdout piped (not a terminal), and records
the seconds until the first output line and until the command ends. ``--code`` runs another
checkout (e.g. the code before the fix) with the same venv.

    python bench/bench_long_article.py --mb 5
    python bench/bench_long_article.py --mb 1 --code /tmp/before --max-chunks 0
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = ("The committee reviewed item {i} of the agenda, heard from residents about the "
            "river works, and moved on without a vote. ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--max-chunks", type=int, default=None,
                    help="--max-chunks-per-article to pass (the fixed code only)")
    ap.add_argument("--timeout", type=float, default=540.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "dump.txt"
        target = int(args.mb * 1_000_000)
        parts, size, i = [], 0, 0
        while size < target:
            s = SENTENCE.format(i=i)
            parts.append(s)
            size += len(s)
            i += 1
        f.write_text("".join(parts).strip(), encoding="utf-8")
        cmd = [sys.executable, "-m", "agent", "--index", str(Path(tmp) / "index"), "ingest", str(f)]
        if args.max_chunks is not None:
            cmd += ["--max-chunks-per-article", str(args.max_chunks)]
        env = {**os.environ, "PYTHONPATH": str(args.code)}
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=str(args.code))
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        first: float | None = None
        lines: list[tuple[float, str]] = []
        open_streams = 2
        while open_streams and time.perf_counter() - start < args.timeout:
            for key, _ in sel.select(timeout=1.0):
                line = key.fileobj.readline()  # type: ignore[union-attr]
                if not line:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                t = time.perf_counter() - start
                first = t if first is None else first
                lines.append((round(t, 1), line.decode(errors="replace").rstrip()))
        timed_out = proc.poll() is None
        if timed_out:
            proc.kill()
        proc.wait()
        total = time.perf_counter() - start
    print(json.dumps({
        "mb": args.mb, "code": str(args.code), "max_chunks": args.max_chunks,
        "seconds_to_first_output": None if first is None else round(first, 1),
        "seconds_total": round(total, 1), "timed_out": timed_out, "exit": proc.returncode,
        "output": lines[:6],
    }, indent=2))


if __name__ == "__main__":
    main()
