"""A local newsroom for digest tests: three feeds on a real HTTP server that change between "day 1"
and "day 2" (``tests/httpserver.py``).

Day 1 (4 March 2026): the Valley Courier (RSS, ETag) reports a flood that killed 12 people and a
council budget; the Riverside Herald (Atom, Last-Modified) a storm warning; the Coast Times (RSS)
harbour dredging. Day 2 (5 March): the Valley Courier reports the flood again in a new article
(19 killed, new facts, the day-1 background repeated), a bridge reopening (a new story) and a
central-bank wire story; the Coast Times runs the same wire story under another headline, its
last paragraph cut and its own boilerplate added; the Herald answers HTTP 500.

``two_digests`` makes the day-1 and day-2 digests of an agent watching these feeds
(``watch_day1``, ``watch_day2``: the runs alone). For the views' tests, in the hostile variant
the bridge story has a ``<script>`` in its title and a ``</mark>`` in its cited lead, and the
failing feed a name with markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from tests.httpserver import FixtureServer, Route

if TYPE_CHECKING:
    from agent import Agent
    from agent.types import Digest

DAY1 = "Wed, 04 Mar 2026 08:00:00 GMT"
DAY2 = "Thu, 05 Mar 2026 08:00:00 GMT"

FLOOD_BACKGROUND = [
    "Rescue teams searched the lower town of Millbrook by boat while the rain kept falling.",
    "About 300 homes were evacuated overnight and the valley road was closed at the old mill.",
    "The regional water authority said 94 millimetres of rain fell on the upper valley in 36 hours.",
]

WIRE = [
    "The central bank raised its main interest rate to 4.5 percent on Thursday, its third increase "
    "this year, as it tries to bring prices under control.",
    "The governor told reporters that inflation had stayed above the bank's target for eleven months "
    "and that further rises could not be ruled out.",
    "Mortgage lenders said monthly repayments on a typical home loan would rise by about 40 dollars.",
    "Shares in the largest retail banks rose in early trading after the decision was announced.",
    "Economists had expected the increase, but several said the bank was now close to the end of its "
    "tightening cycle.",
    "The next rate decision is due in six weeks, after new figures on wages and consumer spending.",
]

STORIES: dict[str, tuple[str, list[list[str]]]] = {
    "/valley/flood-1": ("Floods close the valley road", [
        ["The River Ash burst its banks in Millbrook on Tuesday and the flood has killed 12 people, "
         "the regional government said.", FLOOD_BACKGROUND[0]],
        [FLOOD_BACKGROUND[1], FLOOD_BACKGROUND[2]],
        ["Farmers on the lower plain said their winter crops were lost under the water."],
    ]),
    "/valley/council": ("Council approves the school budget", [
        ["The town council approved a budget of 4.2 million euros for the new secondary school on "
         "Tuesday evening.", "Members argued for two hours about the cost of the sports hall."],
        ["Building work is to start in the autumn and the school should open in two years.",
         "Parents who had campaigned for the school for a decade watched the vote from the gallery."],
    ]),
    "/herald/storm": ("Storm warning for the coast", [
        ["Forecasters warned of gusts of 120 kilometres an hour along the northern coast on Friday.",
         "Ferries between the islands were cancelled until the weekend."],
        ["Fishing crews were told to stay in port and the coastguard put its lifeboats on standby."],
    ]),
    "/coast/harbour": ("Harbour dredging begins in Portwell", [
        ["Dredgers began clearing silt from the harbour mouth at Portwell on Wednesday.",
         "The work will let larger cargo ships dock at the quay for the first time since 1990."],
        ["The port authority said the project would take five months and cost 3 million euros."],
    ]),
    "/valley/flood-2": ("Flood death toll rises as the River Ash falls", [
        ["The flood in Millbrook has killed 19 people, the regional government said on Wednesday, "
         "as the River Ash began to fall.",
         "The army sent two helicopters to lift stranded families from the roofs of Eastfield."],
        FLOOD_BACKGROUND,
        ["Insurers opened an emergency claims office in the town hall for residents whose homes "
         "were damaged."],
    ]),
    "/valley/bridge": ("The old bridge in Northgate reopens after repairs", [
        ["The stone bridge in Northgate reopened to traffic on Wednesday morning after eight months "
         "of repairs.", "Engineers replaced three arches that the winter frost had cracked."],
        ["Shopkeepers on the high street said trade had fallen by half while the bridge was shut."],
    ]),
    "/valley/rates": ("Central bank raises interest rates to 4.5 percent", [
        ["LONDON (Newswire) - " + WIRE[0], WIRE[1]],
        [WIRE[2], WIRE[3]],
        [WIRE[4], WIRE[5]],
        ["Newswire contributed to this report. Copyright Valley Courier."],
    ]),
    "/coast/rates": ("Rates go up again as the central bank fights prices", [
        ["LONDON, March 5 (Newswire) - " + WIRE[0], WIRE[1]],
        [WIRE[2], WIRE[3]],
        [WIRE[4]],
        ["Sign up for the Coast Times morning newsletter to get the day's business news first."],
    ]),
}

RSS_TYPE = {"Content-Type": "application/rss+xml"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}


def page(path: str, stories: Mapping[str, tuple[str, list[list[str]]]] = STORIES) -> str:
    title, paragraphs = stories[path]
    body = "".join(f"<p>{escape(' '.join(p))}</p>" for p in paragraphs)
    return (f"<html><head><title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>"
            f"{body}</article></body></html>")


def rss(base: str, channel: str, items: list[tuple[str, str]],
        stories: Mapping[str, tuple[str, list[list[str]]]] = STORIES) -> str:
    """RSS 2.0 with (path, pubDate) items."""
    body = "".join(
        f"<item><title>{escape(stories[p][0])}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<pubDate>{date}</pubDate></item>" for p, date in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{channel}</title>{body}</channel></rss>'


def atom(base: str, channel: str, paths: list[str]) -> str:
    entries = "".join(
        f"<entry><title>{escape(STORIES[p][0])}</title><link href=\"{base}{p}\"/><id>{base}{p}</id>"
        "<updated>2026-03-04T09:00:00Z</updated></entry>" for p in paths
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{channel}</title><id>{base}/herald</id><updated>2026-03-04T09:00:00Z</updated>"
            f"{entries}</feed>")


FEEDS = {"Valley": "/valley.xml", "Herald": "/herald.xml", "Coast": "/coast.xml"}


def day1(srv: FixtureServer) -> None:
    b = srv.base_url
    for p in STORIES:
        srv.routes[p] = (200, HTML_TYPE, page(p))
    srv.routes["/valley.xml"] = Route(200, {**RSS_TYPE, "ETag": '"valley-1"'}, rss(b, "Valley Courier", [
        ("/valley/flood-1", DAY1), ("/valley/council", DAY1)]))
    srv.routes["/herald.xml"] = Route(200, {"Content-Type": "application/atom+xml", "Last-Modified": DAY1},
                                      atom(b, "Riverside Herald", ["/herald/storm"]))
    srv.routes["/coast.xml"] = Route(200, {**RSS_TYPE, "ETag": '"coast-1"'}, rss(b, "Coast Times", [
        ("/coast/harbour", DAY1)]))


def day2(srv: FixtureServer, stories: Mapping[str, tuple[str, list[list[str]]]] = STORIES) -> None:
    """Day 2; ``stories`` may tell the Valley Courier's new stories otherwise (``HOSTILE_STORIES``)."""
    b = srv.base_url
    for p in ("/valley/flood-2", "/valley/bridge", "/valley/rates"):
        srv.routes[p] = (200, HTML_TYPE, page(p, stories))
    srv.routes["/valley.xml"] = Route(200, {**RSS_TYPE, "ETag": '"valley-2"'}, rss(b, "Valley Courier", [
        ("/valley/flood-2", DAY2), ("/valley/bridge", DAY2), ("/valley/rates", DAY2),
        ("/valley/flood-1", DAY1), ("/valley/council", DAY1)], stories))
    srv.routes["/coast.xml"] = Route(200, {**RSS_TYPE, "ETag": '"coast-2"'}, rss(b, "Coast Times", [
        ("/coast/rates", DAY2), ("/coast/harbour", DAY1)]))
    srv.routes["/herald.xml"] = (500, {}, "Internal Server Error")


#: The bridge story of day 2 as a hostile feed and page tell it (title and lead are article text).
HOSTILE_TITLE = "The old bridge <script>window.pwned=1</script> in Northgate reopens"
HOSTILE_LEAD = ("The stone bridge </mark><b>in Northgate</b> reopened to traffic on Wednesday morning "
                "after eight months of repairs.")
# A feed's titles are HTML: the title is written as the HTML text of itself, so it is not a tag.
HOSTILE_STORIES = {**STORIES, "/valley/bridge": (escape(HOSTILE_TITLE), [
    [HOSTILE_LEAD, *STORIES["/valley/bridge"][1][0][1:]], *STORIES["/valley/bridge"][1][1:]])}
HOSTILE_FEED = 'Herald <img src=x onerror="window.pwned=2">'


def watch_all(agent: Agent, srv: FixtureServer, names: Mapping[str, str] | None = None) -> None:
    """Watch the three feeds (``names`` renames some of them: {"Herald": "other name"})."""
    for name, path in FEEDS.items():
        agent.watch.add(srv.url(path), name=(names or {}).get(name, name),
                        allow_private_fetch=True)  # the entries are on 127.0.0.1


def ids_by_path(agent: Agent, srv: FixtureServer) -> dict[str, str]:
    return {a.url.removeprefix(srv.base_url): a.id for a in agent.list() if a.url}


def watch_day1(agent: Agent, srv: FixtureServer, *, hostile: bool = False) -> None:
    """Day 1 served, the three feeds watched and run (``hostile``: the Herald named ``HOSTILE_FEED``)."""
    day1(srv)
    watch_all(agent, srv, {"Herald": HOSTILE_FEED} if hostile else None)
    agent.watch.run()


def watch_day2(agent: Agent, srv: FixtureServer, *, hostile: bool = False) -> None:
    """Day 2 served (``hostile``: telling ``HOSTILE_STORIES``) and the feeds run again."""
    day2(srv, HOSTILE_STORIES if hostile else STORIES)
    agent.watch.run()


def two_digests(agent: Agent, srv: FixtureServer, *, hostile: bool = False) -> tuple[Digest, Digest]:
    """The day-1 digest after day 1's run, the day-2 digest after day 2's (both kept)."""
    watch_day1(agent, srv, hostile=hostile)
    first = agent.digest()
    watch_day2(agent, srv, hostile=hostile)
    return first, agent.digest()


def title_of(path: str) -> str:
    return STORIES[path][0]


def shown_sentences(user: str) -> list[tuple[int, str]]:
    """The ``[id] sentence`` lines of a prompt that shows numbered sentences."""
    return [(int(i), t) for i, t in re.findall(r"(?m)^\[(\d+)\] (.*)$", user)]


def digest_reply(messages: list[BaseMessage]) -> dict[str, Any]:
    """The scripted model of the digest tests: a storyline's first shown sentences, verbatim and
    cited (as many as its schema allows), a heading from its first; figure changes named "the
    death toll"; figure conflicts phrased citing both notes."""
    user = str(messages[-1].content)
    if "section of the briefing as JSON" in user:
        shown = shown_sentences(user)
        n = 2 if user.count("<article ") == 1 else 3
        heading = " ".join(shown[0][1].split()[:6])
        return {"heading": heading, "sentences": [{"text": t, "sources": [i]} for i, t in shown[:n]]}
    task = user.split("Task:")[-1]
    if "figure of a news story on two dates" in task:
        return {"changes": [{"what": "the death toll"}] * task.count(" and S")}
    pairs = re.findall(r"(S\d+) vs (S\d+)", task)
    assert pairs, f"unexpected prompt: {user[:200]!r}"
    return {"disagreements": [{"what": "a figure", "claims": [{"text": "One says so.", "sources": [a]},
                                                              {"text": "One says not.", "sources": [b]}]}
                              for a, b in pairs]}
