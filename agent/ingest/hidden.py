"""Visible text only: what a reader of the page cannot see is removed before extraction.

A page can hide text from people and still serve it to a scraper: a false figure in white on
white would be indexed, retrieved and quoted as a verified source. Removed with their subtree:
``display:none``, ``opacity:0``, ``transform:scale(0)``, off-screen positioning (``left:-9999px``,
``text-indent:-9999px``), zero height or width with ``overflow:hidden``, ``clip:rect(0 0 0 0)``
and ``clip-path:inset(50%)``, the ``hidden`` attribute and ``aria-hidden="true"``. Removed as
text, children left to decide for themselves (a child may undo it): ``visibility:hidden``,
``font-size:0`` and text whose colour has too little contrast with its background (the browser
default, white, when none is declared).

Styles come from ``style`` attributes and ``<style>`` sheets: tinycss2 parses them and cssselect
(through lxml) matches their selectors. No specificity: later rules win, ``!important`` beats
the rest, and a rule inside ``@media`` can only *un*-hide (it applies to some screens, so text
it shows is visible somewhere); print-only rules are ignored. External stylesheets are not
fetched: text they hide stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tinycss2
from lxml import etree
from lxml.html import HtmlElement
from tinycss2.color3 import RGBA, parse_color

#: Properties that can hide an element or its text; declarations of others are ignored.
_PROPS = {
    "display", "visibility", "opacity", "font-size", "font", "color", "background",
    "background-color", "position", "left", "right", "top", "bottom", "text-indent", "overflow",
    "overflow-x", "overflow-y", "height", "width", "max-height", "max-width", "clip", "clip-path",
    "transform",
}
#: Contrast ratio (WCAG) under which text is unreadable against its background: #eee on
#: white is 1.16, light grey captions (#bbb) are 1.9.
MIN_CONTRAST = 1.2
#: An offset this far off the page's top or left edge puts an element out of sight.
OFF_SCREEN_PX = 500.0
WHITE = RGBA(1.0, 1.0, 1.0, 1.0)
#: Elements whose text is never shown, so their styles are irrelevant.
_NOT_RENDERED = {"head", "script", "style", "template", "noscript", "title", "meta", "link"}

_LENGTH = re.compile(r"^(-?\d*\.?\d+)(px|pt|em|rem|%|vw|vh|ex|ch|cm|mm|in)?$")
_PX_PER = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0,
           "cm": 37.8, "mm": 3.78, "in": 96.0}


@dataclass
class _Style:
    """One element's declared values: (important, origin, order) decides which wins."""

    values: dict[str, tuple[tuple[bool, int, int], str]] = field(default_factory=dict)
    unhidden: set[str] = field(default_factory=set)  # properties an @media rule sets

    def declare(self, prop: str, value: str, rank: tuple[bool, int, int]) -> None:
        old = self.values.get(prop)
        if old is None or rank >= old[0]:
            self.values[prop] = (rank, value)

    def get(self, prop: str) -> str | None:
        got = self.values.get(prop)
        return got[1] if got else None


@dataclass
class _Inherited:
    """What an element hands to its children: colour, background, visibility, zero font."""

    color: RGBA | None = None  # None: the page's default text colour (visible)
    background: RGBA | None = WHITE  # None: an image or something unknown (no contrast check)
    invisible: bool = False
    zero_font: bool = False


def strip_hidden(root: HtmlElement) -> int:
    """Remove from ``root`` (in place) every element and text a reader cannot see; returns how
    many elements were removed or emptied."""
    styles = _collect_styles(root)
    removed = 0
    stack: list[tuple[Any, _Inherited]] = [(root, _Inherited())]
    while stack:
        el, parent = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _NOT_RENDERED:
            continue
        style = styles.get(el)
        if _hides_subtree(el, style):
            if el.getparent() is not None:
                el.drop_tree()  # keeps its tail: that text belongs to the parent
                removed += 1
            continue
        state = _inherit(parent, style)
        if _text_unseen(state):
            removed += _blank_text(el)
        stack.extend((child, state) for child in reversed(el) if isinstance(child.tag, str))
    return removed


# --------------------------------------------------------------------------------------
# reading the styles


def _declarations(content: Iterable[Any]) -> Iterator[tuple[str, str, bool]]:
    for d in tinycss2.parse_blocks_contents(content, skip_whitespace=True, skip_comments=True):
        if d.type == "declaration" and d.lower_name in _PROPS:
            yield d.lower_name, tinycss2.serialize(d.value).strip().lower(), bool(d.important)


def _inline(el: Any) -> list[tuple[str, str, bool]]:
    text = el.get("style")
    if not text or ":" not in text:
        return []
    try:
        return list(_declarations(tinycss2.parse_component_value_list(text)))
    except Exception:  # noqa: BLE001 - a malformed style attribute hides nothing
        return []


_Rule = tuple[str, list[tuple[str, str, bool]], bool]


def _rules(sheet: str) -> Iterator[_Rule]:
    """(selector, declarations, inside @media) for each qualified rule of ``sheet``."""
    yield from _walk_rules(tinycss2.parse_stylesheet(sheet, skip_whitespace=True,
                                                     skip_comments=True), media=False)


def _walk_rules(nodes: Iterable[Any], media: bool) -> Iterator[_Rule]:
    for node in nodes:
        if node.type == "qualified-rule":
            decls = list(_declarations(node.content))
            if decls:
                yield tinycss2.serialize(node.prelude).strip(), decls, media
        elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports") and node.content:
            query = tinycss2.serialize(node.prelude).lower()
            if node.lower_at_keyword == "media" and "print" in query and "screen" not in query:
                continue  # a printer's rules say nothing about the screen
            inner = tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True)
            yield from _walk_rules(inner, media or node.lower_at_keyword == "media")


def _collect_styles(root: HtmlElement) -> dict[Any, _Style]:
    """Each styled element's declarations from ``<style>`` sheets and its ``style`` attribute."""
    from lxml.cssselect import CSSSelector

    styles: dict[Any, _Style] = {}
    order = 0
    for sheet in root.iter("style"):
        for selector, decls, media in _rules(sheet.text or ""):
            try:
                matched = CSSSelector(selector, translator="html")(root)
            except Exception:  # noqa: BLE001 - :hover, ::before, or a selector cssselect cannot read
                continue
            order += 1
            for el in matched:
                style = styles.setdefault(el, _Style())
                for prop, value, important in decls:
                    if media:
                        style.unhidden.add(prop)
                    else:
                        style.declare(prop, value, (important, 0, order))
    for el in root.iter():
        if isinstance(el.tag, str) and (decls := _inline(el)):
            style = styles.setdefault(el, _Style())
            for prop, value, important in decls:
                style.declare(prop, value, (important, 1, 0))
    return styles


# --------------------------------------------------------------------------------------
# deciding


def _px(value: str | None) -> float | None:
    """A CSS length in pixels (em and rem as 16px), None when it is not a plain length."""
    if not value:
        return None
    m = _LENGTH.match(value.split()[0])
    if not m:
        return None
    number, unit = float(m.group(1)), m.group(2) or "px"
    if unit in ("%", "vw", "vh"):
        return 0.0 if number == 0 else None
    return number * _PX_PER[unit]


def _hidden_by(style: _Style, prop: str, hides: bool) -> bool:
    """``hides``, unless an @media rule may set ``prop`` otherwise for this element."""
    return hides and prop not in style.unhidden


def _hides_subtree(el: Any, style: _Style | None) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if style is None:
        return False
    get = style.get
    opacity = _number(get("opacity"))
    position = get("position") or ""
    overflow = " ".join(filter(None, (get("overflow"), get("overflow-x"), get("overflow-y"))))
    tiny = [p for p in ("height", "width", "max-height", "max-width")
            if (px := _px(get(p))) is not None and px <= 1]
    checks = [
        ("display", get("display") == "none"),
        ("opacity", opacity is not None and opacity <= 0.05),
        ("transform", bool(re.search(r"scale[xy]?\(\s*0(\.0*)?\s*[,)]", get("transform") or ""))),
        ("text-indent", (_px(get("text-indent")) or 0) <= -OFF_SCREEN_PX),
        ("position", position in ("absolute", "fixed") and any(
            (_px(get(side)) or 0) <= -OFF_SCREEN_PX for side in ("left", "top", "right", "bottom"))),
        ("overflow", bool(tiny) and ("hidden" in overflow or "clip" in overflow)),
        ("clip", bool(re.fullmatch(r"rect\(\s*(0|0px|1px)(\s*,?\s*(0|0px|1px)){3}\s*\)",
                                   get("clip") or "")) and position in ("absolute", "fixed")),
        ("clip-path", bool(re.fullmatch(r"inset\(\s*(50|100)%\s*\)|circle\(\s*0(px)?\s*\)",
                                        get("clip-path") or ""))),
    ]
    return any(_hidden_by(style, prop, hides) for prop, hides in checks)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        return None


def _color(value: str | None) -> RGBA | str | None:
    if not value:
        return None
    try:
        return parse_color(value)
    except Exception:  # noqa: BLE001 - not a colour tinycss2 knows
        return None


def _background(style: _Style) -> tuple[bool, RGBA | None]:
    """(declared?, colour): ``background-color`` or the colour in ``background``; an image or
    gradient makes the colour unknown (None)."""
    declared = style.get("background-color")
    if declared is None and (shorthand := style.get("background")) is not None:
        if "url(" in shorthand or "gradient(" in shorthand:
            return True, None
        tokens = tinycss2.parse_component_value_list(shorthand)
        colors = [c for t in tokens if isinstance(c := parse_color(t), RGBA)]
        return (True, colors[-1]) if colors else (False, None)
    if declared is None:
        return False, None
    color = _color(declared)
    return True, color if isinstance(color, RGBA) else None


def _over(top: RGBA, below: RGBA) -> RGBA:
    a = top.alpha
    return RGBA(top.red * a + below.red * (1 - a), top.green * a + below.green * (1 - a),
                top.blue * a + below.blue * (1 - a), 1.0)


def _inherit(parent: _Inherited, style: _Style | None) -> _Inherited:
    if style is None:
        return parent
    state = _Inherited(parent.color, parent.background, parent.invisible, parent.zero_font)
    if (visibility := style.get("visibility")) is not None:
        state.invisible = visibility in ("hidden", "collapse") and "visibility" not in style.unhidden
    size = style.get("font-size") or _font_size(style.get("font"))
    if "font-size" in style.unhidden or "font" in style.unhidden:
        state.zero_font = False
    elif size is not None and size != "inherit":
        px = _px(size)
        if size.endswith(("em", "%", "ex", "ch")) and not size.endswith("rem") or size in (
                "smaller", "larger"):
            state.zero_font = parent.zero_font or px == 0  # a share of the parent's size
        else:
            state.zero_font = px is not None and px <= 1
    declared, background = _background(style)
    if declared:
        if background is None:
            state.background = None
        elif background.alpha >= 1:
            state.background = background
        elif background.alpha > 0:  # see-through: over the parent's, when that is known
            state.background = _over(background, parent.background) if parent.background else None
    if "background" in style.unhidden or "background-color" in style.unhidden:
        state.background = None
    color = _color(style.get("color"))
    if isinstance(color, RGBA):
        state.color = color
    if "color" in style.unhidden:
        state.color = None
    return state


def _font_size(shorthand: str | None) -> str | None:
    """The size in a ``font`` shorthand (``0/0 a``, ``bold 14px/1.4 serif``): the first length
    with a unit, or a bare 0 (a bare number such as 700 is a weight)."""
    if not shorthand:
        return None
    m = re.search(r"(?<![\w.-])(0|\d*\.?\d+(?:px|pt|em|rem|%))(?=/|\s|$)", shorthand)
    return m.group(1) if m else None


def _luminance(c: RGBA) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red) + 0.7152 * channel(c.green) + 0.0722 * channel(c.blue)


def contrast(fg: RGBA, bg: RGBA) -> float:
    """The WCAG contrast ratio of ``fg`` (alpha blended) over an opaque ``bg``: 1 to 21."""
    a, b = _luminance(_over(fg, bg)), _luminance(bg)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _text_unseen(state: _Inherited) -> bool:
    if state.invisible or state.zero_font:
        return True
    if state.color is None or state.background is None:
        return False
    return contrast(state.color, state.background) < MIN_CONTRAST


def _blank_text(el: Any) -> int:
    """Drop the text ``el`` holds directly (its own and its children's tails); 1 if any."""
    had = bool((el.text or "").strip()) or any((c.tail or "").strip() for c in el)
    el.text = None
    for child in el:
        child.tail = None
    return int(had)


def visible_html(html: str) -> HtmlElement | None:
    """The page parsed as trafilatura parses it, hidden parts removed; None if it cannot be."""
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except (ValueError, TypeError, etree.ParserError):
        return None
    if tree is None:
        return None
    strip_hidden(tree)
    return tree


def visible_fragment(fragment: str) -> str:
    """An HTML fragment (a feed entry's summary) with its hidden parts removed, as HTML."""
    from lxml.html import fragment_fromstring, tostring

    try:
        root = fragment_fromstring(fragment, create_parent="div")
    except (ValueError, etree.ParserError):
        return fragment
    strip_hidden(root)
    return str(tostring(root, encoding="unicode"))
