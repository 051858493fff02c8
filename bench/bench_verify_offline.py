"""Re-check recorded answers with the current verification code, without the model.

``bench/bench_ask_quail.py --dump FILE`` records, per question, the passages the answer step showed
and the model's raw JSON replies. This script rebuilds the ``Evidence`` from those passages, runs
today's ``verify`` on the same replies (the first, and the retry's when the first cited nothing and
a retry was recorded), and scores the result exactly as the QuAIL bench does (MiniLM picks the
option closest to the shown text; ``not_in_sources`` picks "not enough information").

It reports both trust failures, so a change to the checks is measured in both directions on the
model's real outputs: **right but unverified** (the judge picks the gold option from a claim shown
as not confirmed) and **wrong shown as verified** (an answered/partial answer with citations whose
text picks a wrong option), plus accuracy and which rows changed against the recorded verdicts.

Usage: .venv/bin/python bench/bench_verify_offline.py DUMP.jsonl [--show-changes]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", type=Path)
    ap.add_argument("--show-changes", action="store_true", help="print every row whose verdict changed")
    args = ap.parse_args()

    from agent.answer.ask import needs_retry
    from agent.answer.estimates import ESTIMATE_PREFIX, asks_for_estimate
    from agent.answer.evidence import UNVERIFIED_PREFIX, Evidence, verify
    from agent.index.embed import make_embedder
    from agent.settings import Settings
    from agent.types import Passage

    embedder = make_embedder(Settings())

    def pick(text: str, options: list[str]) -> int:
        vecs = embedder.embed([text, *options])
        return int(np.argmax(vecs[1:] @ vecs[0]))

    def score(row: dict[str, Any], status: str, text: str) -> bool:
        options = row["options"]
        nei = next((j for j, o in enumerate(options) if o.lower().startswith("not enough information")), 3)
        shown = text.removeprefix(UNVERIFIED_PREFIX).replace(ESTIMATE_PREFIX, "")
        return (nei if status == "not_in_sources" else pick(shown, options)) == row["gold"]

    def unlabelled(text: str) -> str:
        """The answer without the nearest-coverage or undated lead (added after verification,
        so the re-checked answer has none)."""
        return re.sub(r"^Nothing from .*?(?:says|coverage[^:]*):\s*", "", text, count=1)

    rows = [json.loads(line) for line in args.dump.open()]
    now: dict[str, int] = {
        "right_verified": 0, "right_unverified": 0, "wrong_verified": 0, "right": 0, "unanswerable": 0,
        "unanswerable_declined": 0,
    }
    before = dict.fromkeys(now, 0)
    changed = 0
    counted = 0
    for row in rows:
        counted += 1
        if row["passages"] and row["raw"]:
            evidence = Evidence([Passage.model_validate(p) for p in row["passages"]], keep=row.get("keep"))
            estimate = asks_for_estimate(row["question"])
            answer = verify(row["question"], row["raw"][0], evidence, model="", estimate=estimate)
            if not answer.citations and needs_retry(row["raw"][0]) and len(row["raw"]) > 1:
                second = verify(row["question"], row["raw"][1], evidence, model="", estimate=estimate)
                if second.citations or not answer.text.startswith("The model's answer"):
                    answer = second
            checked = (answer.status, answer.text, bool(answer.citations))
        else:  # answered without the model (nothing retrieved) or an unreadable reply: as recorded
            checked = (row["status"], unlabelled(row["answer"]), row["status"] in ("answered", "partial"))
        for tally, status, text, cited in (
            (now, *checked),
            (before, row["status"], unlabelled(row["answer"]), row["status"] in ("answered", "partial")),
        ):
            right = score(row, status, text)
            tally["right"] += right
            tally["right_verified"] += right and cited and status in ("answered", "partial")
            tally["right_unverified"] += right and status == "unverified"
            tally["wrong_verified"] += (not right) and cited and status in ("answered", "partial")
            if row["type"] == "Unanswerable":
                tally["unanswerable"] += 1
                tally["unanswerable_declined"] += status == "not_in_sources"
        if checked[1] != unlabelled(row["answer"]) and checked[0] != row["status"]:
            changed += 1
            if args.show_changes:
                print(f"{row['id']} {row['status']} -> {checked[0]}\n  Q: {row['question']}\n"
                      f"  was: {row['answer'][:160]}\n  now: {checked[1][:160]}", flush=True)
    report = {
        "rows": counted,
        "status_changed": changed,
        "recorded": {k: v for k, v in before.items()},
        "now": {k: v for k, v in now.items()},
        "now_rates": {k: round(v / counted, 3) for k, v in now.items()} if counted else {},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
