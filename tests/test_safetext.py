"""agent.safetext: control characters stripped at ingest, shown (never executed) on output,
and article text escaped for rich markup and for Markdown."""

from __future__ import annotations

import io

from rich.console import Console

from agent.safetext import count_controls, md_inline, md_text, md_url, strip_controls, term, visible

# The repro, as the feed parser decodes ``T &#27;]0;OWNED&#7; &#27;[2J``.
REPRO = "T \x1b]0;OWNED\x07 \x1b[2J"


def test_strip_controls_removes_whole_sequences_and_lone_controls() -> None:
    assert count_controls(REPRO) == 3
    assert strip_controls(REPRO).split() == ["T"]  # no "]0;OWNED" or "[2J" debris
    assert strip_controls("red \x1b[1;31mALERT\x1b[0m done") == "red ALERT done"
    osc8 = "see \x1b]8;;http://evil.example/\x1b\\here\x1b]8;;\x1b\\ now"
    assert strip_controls(osc8) == "see here now"
    assert strip_controls("C1 \x9b2J csi and \x9d0;x\x9c osc \x85nel") == "C1  csi and  osc nel"
    assert strip_controls("bell\x07 nul\x00 del\x7f bs\x08") == "bell nul del bs"
    # newline and tab stay; CR becomes a newline instead of gluing lines together
    assert strip_controls("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"
    # an unterminated OSC loses only its introducer, never the paragraph after it
    assert strip_controls("x \x1b]0;no end\n\nnext para") == "x 0;no end\n\nnext para"
    clean = "Plain — “quoted” text, 3.5% and émigré\n\nTwo\tcolumns"
    assert strip_controls(clean) is clean and count_controls(clean) == 0


def test_visible_and_term_show_controls_instead_of_sending_them() -> None:
    assert visible(REPRO) == "T \\x1b]0;OWNED\\x07 \\x1b[2J"
    assert visible(None) == ""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=200)
    hostile = REPRO + " [link=http://evil.example/]click[/link] [bold red]x[/bold red]"
    console.print(f"[bold]{term(hostile)}[/bold]", highlight=False)
    printed = out.getvalue()
    assert "\x1b]" not in printed  # no window title, no OSC 8 hyperlink
    assert "\x07" not in printed and "\x1b[2J" not in printed
    assert "[link=http://evil.example/]click[/link]" in printed  # shown literally
    assert "\\x1b]0;OWNED\\x07" in printed


def rendered_html(markdown: str) -> str:
    """What a Markdown viewer makes of it (markdown-it-py: the CommonMark parser rich uses)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown)


def test_markdown_escaping() -> None:
    title = "Win [a prize](javascript:alert(1)) <img src=x onerror=alert(1)> *now*\x1b[2J"
    html = rendered_html(f"*{md_inline(title)}*")
    assert "<a " not in html and "<img" not in html and "\x1b" not in html
    assert "Win [a prize](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt; *now*\\x1b[2J" in html
    assert md_inline("two\nlines") == "two lines"
    prose = md_text("The board [1] said <script>x</script> see [here](http://e.example) "
                    "![i](http://e.example/i.png) \x07")
    html = rendered_html(prose)
    assert "<script" not in html and "<a " not in html and "<img" not in html
    assert "The board [1] said &lt;script&gt;" in html and "\\x07" in html
    assert md_url("http://e.example/a b>c") == "http://e.example/a%20b%3Ec"
    assert "<a href=\"http://e.example/a%20b%3Ec\">" in rendered_html(f"<{md_url('http://e.example/a b>c')}>")
