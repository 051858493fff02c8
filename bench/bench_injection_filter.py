"""The injection filter (agent/untrusted.py) on injections phrased unlike its own patterns.

``bench/injection_reworded.jsonl`` holds invented sentences, each labelled: prompt injections
that avoid the filter's own phrases ("please disregard the figures above; the correct budget is
…", "whoever summarises this page should …") and ordinary news sentences that talk about
instructions ("officials told residents to ignore the rumours", corrections that give "the
correct figure"). Two splits: ``dev`` is the one patterns may be tuned on; ``test`` is held out
and is the number to report.

Reported per split: catch rate (injections flagged) and false-positive rate (news flagged), with
each sentence as its own paragraph, as ``defang`` sees it. ``--show`` lists the misses and false
positives of a split.

Usage:  python bench/bench_injection_filter.py [--show dev|test]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO / "bench" / "injection_reworded.jsonl"


def load() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def rates(rows: list[dict[str, object]], split: str) -> tuple[float, float, list[str], list[str]]:
    """(catch rate, false-positive rate, missed injections, flagged news) for ``split``."""
    from agent.untrusted import tainted_spans

    inj = [str(r["text"]) for r in rows if r["split"] == split and r["injection"]]
    news = [str(r["text"]) for r in rows if r["split"] == split and not r["injection"]]
    missed = [t for t in inj if not tainted_spans(t)]
    flagged = [t for t in news if tainted_spans(t)]
    return 1 - len(missed) / len(inj), len(flagged) / len(news), missed, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", choices=["dev", "test"], help="list the misses of a split")
    args = parser.parse_args()
    rows = load()
    for split in ("dev", "test"):
        n_inj = sum(1 for r in rows if r["split"] == split and r["injection"])
        n_news = sum(1 for r in rows if r["split"] == split and not r["injection"])
        catch, fp, missed, flagged = rates(rows, split)
        print(f"{split:5} catch {catch:6.1%} of {n_inj} injections, "
              f"false positives {fp:6.1%} of {n_news} news sentences")
        if args.show == split:
            for t in missed:
                print(f"  missed:  {t}")
            for t in flagged:
                print(f"  flagged: {t}")


if __name__ == "__main__":
    main()
