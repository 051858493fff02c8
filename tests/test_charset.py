"""A page's bytes decide its charset when the declared one does not fit: a UTF-8 page served as
``charset=iso-8859-1`` is stored as ``Zürich``, not ``ZÃ¼rich``; a page really in Latin-1 stays
right. Real local HTTP server, real fetcher and extractor."""

from __future__ import annotations

from agent.ingest.decode import decode_bytes
from agent.ingest.load import iter_articles
from agent.settings import Settings
from agent.types import Article
from tests.httpserver import serve
from tests.test_load import rss

SENTENCES = ("Zürich's council approved a €4 million plan for the Limmat quay on Tuesday. "
             "Workers will replace the old façade and the café terraces by spring. ") * 3


def html(charset_meta: str = "") -> str:
    head = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<html><head>{head}<title>Zürich quay plan</title></head><body><article>"
            f"<h1>Zürich quay plan</h1><p>{SENTENCES}</p><p>{SENTENCES}</p></article></body></html>")


def fetched_articles(routes: dict[str, tuple[int, dict[str, str], bytes]], path: str) -> list[Article]:
    with serve(routes) as srv:
        results = list(iter_articles([srv.url(path)], Settings(allow_private_fetch=True)))
    assert all(isinstance(r, Article) for r in results), results
    return [r for r in results if isinstance(r, Article)]


def assert_clean(article: Article) -> None:
    assert "Zürich" in article.text and "€4 million" in article.text and "façade" in article.text
    assert "Ã" not in article.text + article.title and "â‚¬" not in article.text
    assert article.title == "Zürich quay plan"


def test_a_utf8_page_served_as_latin1_is_decoded_as_utf8() -> None:
    body = html().encode("utf-8")
    for ctype in ("text/html; charset=iso-8859-1", "text/html; charset=windows-1252",
                  "text/html; charset=latin-1"):
        (article,) = fetched_articles({"/p": (200, {"Content-Type": ctype}, body)}, "/p")
        assert_clean(article)


def test_a_feed_entry_page_with_the_wrong_charset_is_decoded_as_utf8() -> None:
    body = html().encode("utf-8")
    with serve({"/p": (200, {"Content-Type": "text/html; charset=ISO-8859-1"}, body)}) as srv:
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"},
                               rss(srv.base_url, [{"title": "Zürich quay plan", "link": srv.url("/p"),
                                                   "guid": "z1"}]))
        (article,) = list(iter_articles([srv.url("/feed")], Settings(allow_private_fetch=True)))
    assert isinstance(article, Article)
    assert_clean(article)


def test_pages_really_in_a_single_byte_charset_stay_right() -> None:
    latin1 = html().replace("€", "EUR").encode("latin-1")
    cp1252 = html().encode("cp1252")
    routes = {
        "/declared": (200, {"Content-Type": "text/html; charset=iso-8859-1"}, latin1),
        "/undeclared": (200, {"Content-Type": "text/html"}, cp1252),
        "/meta": (200, {"Content-Type": "text/html"}, html("windows-1252").encode("cp1252")),
    }
    (declared,) = fetched_articles(routes, "/declared")
    assert "Zürich" in declared.text and "EUR4 million" in declared.text and "Ã" not in declared.text
    for path in ("/undeclared", "/meta"):
        (article,) = fetched_articles(routes, path)
        assert_clean(article)


def test_the_rule_on_bytes() -> None:
    assert decode_bytes("Zürich".encode(), "iso-8859-1") == "Zürich"
    assert decode_bytes("Zürich".encode("latin-1"), "iso-8859-1") == "Zürich"
    assert decode_bytes(b"plain ascii", "iso-8859-1") == "plain ascii"
    assert decode_bytes("Зеленский".encode("cp1251"), "windows-1251") == "Зеленский"
