"""Which sentence segmenter for news text: ours (agent/text/sentences.py) vs pysbd vs syntok.

Two measurements:
1. Exact boundary accuracy on hand-made hard cases (invented text, the gold boundaries marked
   with " | "): abbreviations, initials, quotes, datelines, bullet lists, numbers. Reported as
   cases fully right, and boundary precision/recall.
2. Real news (examples/articles, QuAIL articles, BBC, Reuters from ../shared/data, read in place):
   where the segmenters disagree on a boundary, the boundary and its context are written to
   ``--dump`` so they can be judged by hand; the counts and time per 1,000 sentences are printed.

Every segmenter is run per paragraph (blank-line separated) and a line break ends a sentence
for all three (news text puts headlines, datelines and bullets on their own lines).

Usage:  python bench/bench_sentences.py [--per-source N] [--dump FILE]   (needs pysbd, syntok)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/data from the main checkout; a worktree under /work/wt has it two levels up.
DATA = next((p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
            REPO.parent / "shared" / "data")

_spec = importlib.util.spec_from_file_location("sentences", REPO / "agent" / "text" / "sentences.py")
assert _spec and _spec.loader
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

Span = tuple[int, int]

# Gold: " | " marks every sentence boundary; "\n" inside a case is a line break.
CASES = [
    "Mr. Halvorsen arrived in Washington, D.C. on Jan. 5. | He said: “We will win.” | Then he left!",
    "The U.S. economy grew 3.5 percent in the quarter. | Analysts had expected less.",
    "Shares of Brightwater Corp. rose 4%. | The company said demand was strong.",
    "J. K. Mirelle spoke first. | Dr. Osei followed at 9 a.m. on Tuesday.",
    "“Lanternfall” is officially coming back. | VistaStream announced Sunday that the series is renewed.",
    "He asked, “Why now?” | Nobody answered.",
    "OSLO, March 3 (Reuters) - Norway’s central bank held rates on Thursday. | It cited inflation.",
    "KAMPALA — Flooding displaced 4,000 people, officials said. | Rain is forecast to continue.",
    "The plan has three parts:\n| - cut fees by 10%\n| - hire 40 nurses\n| - open two clinics",
    "Key points:\n| • Turnout was 61 percent.\n| • Results are due Friday.",
    "The vote was 7–2. | Sen. Okafor voted no. | Gov. Lindqvist signed the bill.",
    "Prices rose 0.4 pct in Feb. | That was below forecasts.",
    "The firm, Tarsk Inc., was fined. | Its shares fell.",
    "She moved to the U.K. in 2019. | There she founded a charity.",
    "Talks with the E.U. stalled. | The bloc’s envoy left Brussels.",
    "It was approx. 20 km long. | Crews worked overnight.",
    "The report (see Fig. 2) shows a drop. | Officials disputed it.",
    "He said the deal was “dead.” | His rival disagreed.",
    "Is it over? | Not yet, she said.",
    "Wait... what happened next? | The lights went out.",
    "The U.N. Security Council met on Monday. | It adopted a resolution.",
    "Gen. Mbeki and Lt. Col. Farrow toured the base. | They met troops.",
    "Revenue was $1.2 billion. | Profit was $310 million.",
    "The St. Marlow bridge reopened. | Traffic resumed at 6 p.m. | Drivers cheered.",
    "He joined in Sept. 2021 as No. 2 at the agency. | He left last year.",
    "The team won 3-1 (a record). | Fans celebrated.",
    "The rate is 5 per cent.” | The minister added nothing.",
    "LONDON (AP) — A fire broke out at a warehouse early Sunday. | No one was hurt.",
    "By Anna Petrov\n| Published 12 March 2024\n| The council voted to close the library.",
    "Ms. Quayle, 54, resigned. | Her deputy, Mr. Ruiz, will lead.",
    "The company is based in the U.S. | It employs 900 people.",
    "Output fell in the U.S. and Canada. | Demand recovered in Asia.",
    "The bloc, known as the E.A.C., meets yearly. | This year it meets in Arusha.",
    "“We are ready,” said coach Ilse Brandt. | “The players are fit.”",
    "The fund lost 12 mln dlrs in 1986. | It expects a profit in 1987.",
    "Acme Co. and Zenith Ltd. agreed to merge. | The deal closes in May.",
    "He said: “It’s done.” | Then: “Go home.”",
    "Residents were told to boil water (the advice was lifted later). | Schools stayed shut.",
    "Vol. 3 of the series was published. | It sold well.",
    "The minister said the U.S. would help. | The U.S. embassy declined to comment.",
    # hard-wrapped newswire (lines of ~65 characters)
    "Talks between the two carriers broke down on Friday after the\nunion rejected a revised "
    "offer, a spokesman for the group said. | The\ncompany said it would appeal.",
    "The Treasury said it would sell 9.75 billion dlrs of notes on\nTuesday to raise new cash "
    "and refund maturing debt. | Analysts\nexpect an average yield of 7.1 pct.",
    "In Carpenter v. United States, the justices ruled 5-4. | Roberts wrote the opinion.",
]


def gold(case: str) -> tuple[str, set[int]]:
    text, bounds, pos = "", set(), 0
    for i, piece in enumerate(case.split("| ")):
        if i:
            bounds.add(len(text))
        text += piece
        pos += len(piece)
    return text, bounds


def starts_of(spans: list[Span]) -> set[int]:
    return {a for a, _ in spans[1:]}


def _lines_then(split: Callable[[str], list[str]]) -> Callable[[str, int, int], list[Span]]:
    """Wrap a string-returning library splitter: per line, spans recovered by search.

    The libraries are given one line at a time (they would run a bullet list together), so a
    hard-wrapped sentence is cut at its wraps by them: the three wrapped cases count against
    them; the real-news comparison below is per line for all three for the same reason."""

    def run(text: str, start: int, end: int) -> list[Span]:
        spans: list[Span] = []
        for la, lb in S.cut(text, start, end, [m.end() for m in re.finditer(r"\n", text[start:end])] and
                            [start + m.end() for m in re.finditer(r"\n", text[start:end])]):
            pos = la
            for sent in split(text[la:lb]):
                s = sent.strip()
                if not s:
                    continue
                i = text.find(s, pos, lb)
                if i < 0:
                    i = pos
                spans.append((i, i + len(s)))
                pos = i + len(s)
        return spans

    return run


def make_splitters() -> dict[str, Callable[[str, int, int], list[Span]]]:
    import pysbd
    import syntok.segmenter as syn

    seg = pysbd.Segmenter(language="en", clean=False)

    def syntok_split(s: str) -> list[str]:
        out = []
        for para in syn.analyze(s):
            for sent in para:
                out.append(s[sent[0].offset - len(sent[0].spacing): sent[-1].offset + len(sent[-1].value)])
        return out

    return {
        "ours": S.sentence_spans,
        "pysbd": _lines_then(seg.segment),
        "syntok": _lines_then(syntok_split),
    }


def real_texts(per_source: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    ex = sorted((REPO / "examples" / "articles").glob("*.txt"))
    out["examples"] = [p.read_text() for p in ex]

    def jl(path: Path, field: str) -> list[str]:
        rows = [json.loads(line) for line in path.open()]
        rng.shuffle(rows)
        return [str(r.get(field) or "") for r in rows[:per_source] if r.get(field)]

    out["quail"] = jl(DATA / "quail_news" / "quail_dev_news_articles.jsonl", "text")[:per_source]
    out["bbc"] = jl(DATA / "bbc_news" / "bbc_news_2225.jsonl", "text")
    out["reuters"] = jl(DATA / "reuters21578" / "reuters21578.jsonl", "body")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-source", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dump", type=Path, default=None)
    args = ap.parse_args()
    splitters = make_splitters()

    print(f"1. hard cases ({len(CASES)}, invented)")
    for name, fn in splitters.items():
        right = tp = fp = fn_ = 0
        misses = []
        for case in CASES:
            text, want = gold(case)
            got: set[int] = set()
            for pa, pb in S.paragraph_spans(text):
                got |= starts_of(fn(text, pa, pb))
            tp += len(got & want)
            fp += len(got - want)
            fn_ += len(want - got)
            if got == want:
                right += 1
            else:
                misses.append(case.replace("\n", "\\n"))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn_) if tp + fn_ else 1.0
        print(f"  {name:7s} cases right {right}/{len(CASES)}  boundary P {p:.3f} R {r:.3f}  "
              f"(fp {fp}, fn {fn_})")
        for miss in misses:
            print(f"      miss: {miss[:110]}")

    print("2. real news: boundaries where the segmenters disagree")
    texts = real_texts(args.per_source, args.seed)
    dump = args.dump.open("w") if args.dump else None
    for source, docs in texts.items():
        bounds: dict[str, set[int]] = {}
        counts: dict[str, int] = {}
        secs: dict[str, float] = {}
        joined = "\n\n\n".join(docs)  # one text; offsets are unique
        paras = S.paragraph_spans(joined)
        for name, fn in splitters.items():
            t0 = time.perf_counter()
            b: set[int] = set()
            n = 0
            for pa, pb in paras:
                spans = fn(joined, pa, pb)
                n += len(spans)
                b |= starts_of(spans)
            secs[name] = time.perf_counter() - t0
            bounds[name], counts[name] = b, n
        union = set().union(*bounds.values())
        disputed = sorted(x for x in union if not all(x in b for b in bounds.values()))
        speed = "  ".join(f"{k} {1000 * secs[k] / max(1, counts[k]):.2f} ms/sent" for k in secs)
        print(f"  {source:8s} docs {len(docs):3d} sentences(ours) {counts['ours']:5d}  "
              f"disputed {len(disputed):4d}  {speed}")
        if dump:
            for x in disputed:
                who = ",".join(k for k, b in bounds.items() if x in b)
                before = joined[max(0, x - 60) : x].replace("\n", "⏎")
                ctx = before + " ‖ " + joined[x : x + 40].replace("\n", "⏎")
                dump.write(f"{source}\tcut-by:{who}\t{ctx}\n")
    if dump:
        dump.close()
        print(f"  disputed boundaries written to {args.dump}")


if __name__ == "__main__":
    sys.exit(main())
