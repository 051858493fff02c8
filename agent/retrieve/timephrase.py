"""Turn the relative time in a news question ("this week", "in March", "since Monday") into a window.

News questions are relative to when they are asked ("… resigned this week?"), so the phrase is
resolved against ``as_of`` into a publication window ``[since, until)`` that filters retrieval;
without it the typical error is the right topic from the wrong week.

* **Pure.** Regular-expression rules (``timerules``: a pattern and a handler each), no model,
  no I/O; ``dateparser`` only as a guarded fallback for numeric dates ("14.06.2024"), since its
  free-text search misreads news questions ("Who *may* resign?", "in *2000* homes").
* **Local calendar days**, tz-aware in the given zone: every boundary is a local midnight, and
  ``until`` is exclusive and never past the end of ``as_of``'s local day.
* **Weeks roll.** "this week" / "the past week" are days 0–6 back, "last week" days 7–13, as
  weekly roundups use them; "so far this week", "since Monday" and weekends are calendar weeks.
* **Event dates are not publication windows.** A date or month without since/before/until ("on
  January 6") names an event: the window runs from it to the asking day (``kind="event"``),
  unless the question also gives a time frame for the reporting ("in the past week").
* **Future phrases** ("next week") keep their literal bounds (``kind="future"``); callers search
  ``TimeWindow.widened()``, the recent coverage, instead.
* **One phrase per question**: the longest match wins ("the day before yesterday" over
  "yesterday"), then the earliest.
* **False positives are worse than misses** (a wrong window hides the right articles): month
  names need a preposition or a day/year beside them ("the March on Washington" is no time),
  bare years a preposition and no lower-case noun after ("in 2000 homes"), and abbreviations
  such as "mar" count only inside a full date.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from agent.errors import ConfigError
from agent.retrieve.timerules import RULES, Rule
from agent.retrieve.windows import AskingDay, DaySpan, TimeWindow, day_span, finish_window, zone_of


def resolve_time(
    question: str, as_of: datetime, *, tz: tzinfo | str = "UTC", week_start: int = 0
) -> TimeWindow | None:
    """Resolve the time phrase of ``question`` asked at ``as_of`` into a window, or None.

    ``tz`` is an IANA name ("Europe/London") or a ``tzinfo``; ``as_of`` is converted into it
    (a naive ``as_of`` is taken to be local time in ``tz``). ``week_start`` is 0 for Monday
    (ISO, the default) … 6 for Sunday. Returns None when the question has no time phrase.
    """
    zone = zone_of(tz)
    if not isinstance(week_start, int) or not 0 <= week_start <= 6:
        raise ConfigError(f"week_start={week_start!r} is invalid: use 0 (Monday) .. 6 (Sunday)")
    local = as_of.replace(tzinfo=zone) if as_of.tzinfo is None else as_of.astimezone(zone)
    ctx = AskingDay(today=local.date(), week_start=week_start)
    found: list[tuple[int, int, DaySpan, str]] = []
    compared_only = False
    for rule in RULES:
        for m in rule.pattern.finditer(question):
            hit = _apply(rule, m, question, ctx)
            if hit is None:
                continue
            start, end, win = hit
            if _is_comparison(rule, m, question):
                compared_only = True
                continue
            found.append((start, end, win, question[start:end]))
    if not found and compared_only:
        # "Is demand higher than a year ago?" asks about now: no window, only the usual
        # recency preference. The baseline period is for the model to read, not to filter on.
        return None
    if not found:
        fallback = _numeric_date_fallback(question, ctx)
        if fallback is None:
            return None
        found.append(fallback)
    # Longest phrase wins; among equals, the earliest.
    best = max(found, key=lambda f: (f[1] - f[0], -f[0]))
    if best[2].kind == "event":
        # A time frame for the reporting ("in the past week") beats a date naming the event
        # ("… about the January 6 attack"), unless it is part of the date's own phrase.
        frames = [f for f in found if f[2].kind != "event" and (f[1] <= best[0] or f[0] >= best[1])]
        if frames:
            best = max(frames, key=lambda f: (f[1] - f[0], -f[0]))
    _, _, win, phrase = best
    return finish_window(win, phrase, ctx, zone)


def strip_time_phrase(question: str, window: TimeWindow) -> str:
    """``question`` without the window's phrase (and a trailing "'s"), tidied, for retrieval:
    the window goes into the filter, and the phrase would only match articles that say it."""
    phrase = window.phrase
    if not phrase:
        return question
    i = question.lower().find(phrase.lower())
    if i < 0:
        return question
    j = i + len(phrase)
    if question[j : j + 2] in ("'s", "’s"):
        j += 2
    out = question[:i] + " " + question[j:]
    out = re.sub(r"\s+", " ", out)
    out = re.sub(r"\s+([?.!,;:])", r"\1", out)
    out = re.sub(r",([?.!])", r"\1", out)
    return out.strip(" ,;:")


# --------------------------------------------------------------------------- choosing among rule matches

# Names that make a weekday part of a name rather than a date ("Black Friday", "the Sunday Times").
_WEEKDAY_BEFORE = re.compile(
    r"\b(?:black|good|super|cyber|ash|bloody|easter|holy|maundy|giving|shrove|palm|the|a)\s+$", re.I
)
_WEEKDAY_AFTER = re.compile(r"\s+(?:times|telegraph|express|post|mirror|night\s+football)\b", re.I)
# Words that may follow a bare year ("in 2023 the economy"), unlike a noun ("in 2000 homes").
_YEAR_FOLLOWERS = {
    "the", "a", "an", "and", "or", "but", "when", "while", "after", "before", "as", "so", "that",
    "than", "then", "to", "about", "for", "with", "by", "has", "have", "had", "is", "was", "were",
    "did", "do", "does", "according", "compared", "versus", "vs", "alone", "election", "elections",
}  # fmt: skip


def _apply(rule: Rule, m: re.Match[str], question: str, ctx: AskingDay) -> tuple[int, int, DaySpan] | None:
    """One rule match as (start, end, span), or None when a guard (the false positives the
    module docstring lists) rejects it; a preposition opens the span, or a date is an ``event``."""
    prep = (m.group("prep") or "").lower()
    prep = re.sub(r"\s+", " ", prep)
    if rule.needs_prep and not prep and not _body_stands_alone(rule.name, m):
        return None
    if rule.name == "weekday" and not prep and not m.group("wwhich"):
        before = question[: m.start("body")]
        if _WEEKDAY_BEFORE.search(before) or _WEEKDAY_AFTER.match(question, m.end()):
            return None
    if rule.name == "year" and not _year_ok(question, m.end()):
        return None
    body = m.group("body")
    if not prep and re.search(r"\bmay\b", body) and not re.search(r"\d", body):
        return None  # lower-case "may" with no preposition or number is the verb: "this may end"
    if rule.name == "quarter" and "half" in body.lower() and not (m.group("qyr") or m.group("qrel")):
        return None  # "in the first half" is a match half far more often than January–June
    win = rule.handler(m, ctx)
    if win is None:
        return None
    opened = _opened(win, prep)
    if opened is not None:
        win = opened
    elif rule.name in _EVENT_RULES:
        win = DaySpan(win.since, win.until, "event")
    return m.start(), m.end(), win


def _opened(win: DaySpan, prep: str) -> DaySpan | None:
    """The open span a preposition makes of ``win`` (since/after: from it on; before/prior
    to/until/till: up to it), or None for any other preposition."""
    if prep == "since":
        return DaySpan(win.since, None, "since")
    if prep == "after":
        return DaySpan(win.until, None, "since")
    if prep in ("before", "prior to"):
        return DaySpan(None, win.since, "before")
    if prep in ("until", "till"):
        return DaySpan(None, win.until, "before")
    return None


# Rules whose phrase names a calendar date or month ("on January 6", "the March 2020 lockdown"):
# without since/after/before/until it is the date of an event, not a time frame for the
# reporting, and articles about a day are mostly published on and after it.
_EVENT_RULES = frozenset({"date", "month"})


# Words before a time phrase that make it the baseline of a comparison, not the period asked
# about: "up 3 pct from a year ago", "higher than last week", "compared with 2023".
_COMPARISON_BEFORE = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|comparison\s+(?:with|to)|versus|vs\.?|against|relative\s+to"
    r"|year[\s-]+on[\s-]+year\s+from)\s+$",
    re.I,
)


def _is_comparison(rule: Rule, m: re.Match[str], question: str) -> bool:
    """Is this phrase the baseline of a comparison ("up from a year ago", "than last week")?

    A baseline must never become the retrieval window: "oil demand up from a year ago in this
    week's figures" asks about this week. "from X" alone is a baseline; "from X to Y" is a range
    (its own rule, which this never rejects).
    """
    if rule.name in ("range", "wdrange"):
        return False
    prep = re.sub(r"\s+", " ", (m.group("prep") or "").lower())
    if prep == "from" and not re.match(r"\s*(?:to|until|till|through|thru|-|–)\b", question[m.end() :]):
        return True
    return _COMPARISON_BEFORE.search(question[: m.start()]) is not None


def _body_stands_alone(name: str, m: re.Match[str]) -> bool:
    """Exceptions to ``needs_prep``: "March 2025", "early March", "the year 2023", "Q1 2025"."""
    gd = m.groupdict()
    if name == "month":
        return bool(gd.get("myr") or gd.get("mwhich"))
    if name == "year":
        return bool(gd.get("theyear"))
    if name == "quarter":
        return bool(gd.get("qyr") or gd.get("qrel"))
    return False


def _year_ok(question: str, end: int) -> bool:
    """A bare year followed by a lower-case noun or a digit is a number ("in 2000 homes")."""
    after = question[end:]
    if re.match(r"\s*(?:%|,\d|\.\d|\d)", after) or re.match(r"\s*(?:per\s*cent|percent)\b", after, re.I):
        return False
    word = re.match(r"\s+([A-Za-z]+)", after)
    return not (word and word[1].islower() and word[1] not in _YEAR_FOLLOWERS)


def _numeric_date_fallback(question: str, ctx: AskingDay) -> tuple[int, int, DaySpan, str] | None:
    """Absolute numeric dates our rules do not spell out ("14.06.2024", "2024/06/14"), via dateparser.

    Only hits with three numeric parts including a four-digit year are accepted, and a
    day/month order that cannot be told apart (03/04/2024: 3 April or March 4?) is refused:
    a wrong day is worse than no filter.
    """
    m = re.search(r"\b(\d{1,4})([/.])(\d{1,2})\2(\d{1,4})\b", question)
    if m is None:
        return None
    parts = [m[1], m[3], m[4]]
    if not any(len(p) == 4 for p in parts):
        return None
    if len(parts[0]) != 4 and int(parts[0]) <= 12 and int(parts[1]) <= 12 and parts[0] != parts[1]:
        return None
    import dateparser  # lazy: slow to import, needed only for these rare forms

    parsed = dateparser.parse(
        m[0],
        languages=["en"],
        settings={"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    if parsed is None:
        return None
    win = day_span(parsed.year, parsed.month, parsed.day)
    if win is None:
        return None
    start, end = m.start(), m.end()
    prep = re.search(r"\b(on|since|from|before|until|after)\s+$", question[:start], re.I)
    if prep:
        start = prep.start()
        win = _opened(win, prep[1].lower()) or win
    if win.kind == "day":
        win = DaySpan(win.since, win.until, "event")
    return start, end, win, question[start:end]
