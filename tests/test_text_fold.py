"""agent/text/fold.py: typography folded the same way for quotes, claims and support checks."""

from __future__ import annotations

from agent.text.fold import clean_quote, normalise


def test_curly_quotes_dashes_ellipsis_and_whitespace_fold_to_ascii() -> None:
    folded, _, _ = normalise("\u201cRussia\u2019s\u201d  trade \u2014 up\u2026\n\nnew")
    assert folded == "\"Russia's\" trade - up... new"


def test_invisible_characters_are_dropped_and_the_map_skips_them() -> None:
    text = "soft\u00adhyphen zero\u200bwidth"
    folded, starts, ends = normalise(text)
    assert folded == "softhyphen zerowidth"
    i = folded.index("hyphen")
    assert text[starts[i] : ends[i + 5]] == "hyphen"


def test_casefold_and_drop_quotes() -> None:
    assert normalise("The \u201cNEW\u201d Record", casefold=True)[0] == 'the "new" record'
    assert normalise('The "New" Record', drop_quotes=True)[0] == "The New Record"


def test_nfkc_full_width_characters_fold_too() -> None:
    # full-width quotation mark and digits become ASCII, as a reader would read them
    assert normalise("\uff02\uff11\uff12\uff02")[0] == '"12"'


def test_clean_quote_strips_only_the_edges() -> None:
    assert clean_quote("...\u201c the talks\u2026 were long \u201d...") == "the talks\u2026 were long"
    assert clean_quote("'quoted'") == "quoted"
    assert clean_quote("  ") == ""
