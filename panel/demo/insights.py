"""Demo insights: tags, routing rules, reviewers per stream, and insights in every state.

Every insight rests on contributions that say what it says (the battery insight on what panelists
wrote about their battery), made before the insight was; the streams handle them in time.
"""

import re
from collections import namedtuple
from datetime import timedelta

from ..extensions import db
from ..feedback.models import Response
from ..insights import services
from ..insights.models import (
    OPEN_STATUSES,
    Evidence,
    InternalNote,
    Route,
    RoutingRule,
    Stream,
    StreamMember,
    Tag,
)
from ..insights.workdays import add_working_days
from ..rounds.models import Comment, Idea
from .membership import member_by_email
from .moments import between

TAGS = [
    ("Verbruik", "Usage"),
    ("Rekening", "Bill"),
    ("Inloggen", "Log-in"),
    ("Snelheid", "Speed"),
    ("Bereik", "Coverage"),
    ("Chat", "Chat"),
    ("Winkel", "Shop"),
    ("Roaming", "Roaming"),
    ("Toegankelijkheid", "Accessibility"),
    ("Meldingen", "Notifications"),
    ("Batterij", "Battery"),
]
RULES = [
    (
        "Rekeningen naar facturering",
        ["Rekening"],
        "rekening, factuur, bill, invoice, betalen",
        ["billing"],
    ),
    (
        "Alles over de app",
        ["Verbruik", "Inloggen", "Meldingen", "Toegankelijkheid", "Batterij"],
        "app, widget, dark mode",
        ["app_digital"],
    ),
    ("Netwerk", ["Bereik", "Snelheid"], "storing, bereik, outage, coverage", ["network"]),
    ("Chat en klantenservice", ["Chat"], "chat, klantenservice, customer service", ["service"]),
    ("Winkels", ["Winkel"], "winkel, shop, store", ["retail"]),
    (
        "Roaming ook naar marketing",
        ["Roaming"],
        "roaming, buitenland, abroad",
        ["billing", "marketing"],
    ),
]
# title, description, tags, and the words (lower case, either language) its evidence contains.
INSIGHTS = [
    (
        "Verbruik direct zien op het startscherm",
        "Leden willen bij het openen van de app meteen zien hoeveel data ze nog hebben, het liefst "
        "zonder in te loggen.",
        ["Verbruik"],
        ["verbruik", "usage", "resterende data", "remaining data", "data i have left"],
    ),
    (
        "Verbruik per dag laten zien",
        "Leden willen zien hoeveel data ze per dag gebruiken, om beter te plannen.",
        ["Verbruik"],
        ["per dag", "per day"],
    ),
    (
        "De rekening is lastig te lezen",
        "Afkortingen en bedragen zonder uitleg zorgen voor vragen bij de klantenservice.",
        ["Rekening"],
        ["afkorting", "abbreviation", "gewone taal", "plain"],
    ),
    (
        "Onverwachte bedragen op de rekening",
        "Leden snappen extra kosten niet en willen zien "
        "waarom het bedrag hoger is dan vorige maand.",
        ["Rekening"],
        [
            "extra kosten",
            "extra bedrag",
            "extra amount",
            "extra costs",
            "hoger",
            "higher",
            "0900",
            "premium",
        ],
    ),
    (
        "Rekening moeilijk te vinden in de app",
        "Leden zoeken hun rekening in de app en vinden alleen de pdf.",
        ["Rekening"],
        ["rekening niet vinden", "find my bill", "pdf", "bill in the app"],
    ),
    (
        "Inloggen met een wachtwoord kost moeite",
        "Vooral oudere leden haken af als ze steeds hun wachtwoord moeten invullen.",
        ["Inloggen", "Toegankelijkheid"],
        ["wachtwoord", "password"],
    ),
    (
        "Wit scherm na het inloggen",
        "Leden melden dat het scherm na het inloggen wit blijft.",
        ["Inloggen"],
        ["scherm wit", "screen stays white"],
    ),
    (
        "Chat vergeet eerdere vragen",
        "De chat begint steeds opnieuw; klanten moeten hun verhaal herhalen.",
        ["Chat"],
        ["vergeet", "forget", "onthoud", "remember"],
    ),
    (
        "Chat ook buiten kantoortijd",
        "Leden willen ook 's avonds met de klantenservice chatten, als ze er tijd voor hebben.",
        ["Chat"],
        ["chatten", "chat with customer service after"],
    ),
    (
        "Mens of chatbot: laat het zien",
        "Leden willen weten of ze in de chat met een medewerker of met een chatbot praten.",
        ["Chat"],
        ["chatbot", "bot or"],
    ),
    (
        "Storingen sneller melden",
        "Klanten horen te laat over storingen in hun wijk.",
        ["Bereik", "Meldingen"],
        ["storing", "outage"],
    ),
    (
        "Eerlijke hersteltijd bij storingen",
        "Leden willen weten hoe lang een storing nog duurt, ook als het lang is.",
        ["Bereik"],
        ["hoe lang", "how long"],
    ),
    (
        "Roamingkosten live tonen",
        "In het buitenland willen leden live zien wat ze uitgeven.",
        ["Roaming"],
        ["roamingkosten", "roaming costs", "spent abroad", "buitenland heb uitgegeven"],
    ),
    (
        "Schrikrekening na de vakantie",
        "Leden schrikken na een vakantie van hun rekening.",
        ["Roaming", "Rekening"],
        ["turkije", "turkey"],
    ),
    (
        "Afspraak maken in de winkel",
        "Wachten in de winkel is de grootste ergernis.",
        ["Winkel"],
        [
            # Not "afspraak" alone: a reaction may offer an appointment for anything.
            "book a time",
            "wachten",
            "wait in the shop",
            "rij in de winkel",
            "druk",
            "busy",
        ],
    ),
    (
        "Hulp met een nieuwe telefoon in de winkel",
        "Leden willen in de winkel hulp bij het overzetten, en een telefoon eerst kunnen proberen.",
        ["Winkel"],
        ["overzetten", "moves all my photos", "lenen", "borrow"],
    ),
    (
        "App is traag op oudere telefoons",
        "Leden met oudere toestellen melden een trage app.",
        ["Snelheid"],
        ["traag", "slow"],
    ),
    (
        "App verbruikt veel batterij sinds versie 11.8",
        "Sinds de app op de achtergrond de "
        "netwerkstatus bekijkt, gaat de batterij van veel leden sneller leeg.",
        ["Batterij"],
        ["batterij", "battery"],
    ),
    (
        "Te veel meldingen",
        "Leden zetten meldingen uit omdat het er te veel zijn; daardoor missen ze de belangrijke.",
        ["Meldingen"],
        ["te veel meldingen", "too many notifications", "dubbel", "twice"],
    ),
    (
        "Lettergrootte in de app",
        "De tekst is te klein voor een deel van de leden.",
        ["Toegankelijkheid"],
        ["letters", "text bigger"],
    ),
    (
        "Donkere modus gevraagd",
        "Leden vragen om een donkere modus voor 's avonds.",
        ["Toegankelijkheid"],
        ["donkere modus", "dark mode"],
    ),
    (
        "Bundel bijkopen met iDEAL lukt niet",
        "Betalen met iDEAL mislukt als leden data bijkopen.",
        ["Rekening"],
        ["ideal", "bijkoop", "top up data"],
    ),
    (
        "Zelf de betaaldatum kiezen",
        "Leden willen kiezen wanneer de rekening wordt afgeschreven.",
        ["Rekening"],
        ["betaaldatum", "payment date", "direct debit", "afgeschreven"],
    ),
    (
        "Eén rekening voor het hele gezin",
        "Gezinnen willen al hun nummers op één rekening.",
        ["Rekening"],
        ["gezin", "family"],
    ),
]
STATUSES = ["new", "new", "acknowledged", "in_progress", "planned", "done", "declined"]
SETTLED = ["in_progress", "planned", "done", "done", "declined"]
RECENT_DAYS = 150
ANSWERS = {
    "app_digital": (
        "Dank voor jullie signalen! We pakken dit op in een volgende versie van de app.",
        "Thank you for telling us! We're taking this up in a coming version of the app.",
    ),
    "billing": (
        "Dank voor jullie signalen! We passen dit aan op de rekening.",
        "Thank you for telling us! We're changing this on the bill.",
    ),
    "network": (
        "Dank voor jullie signalen! Ons netwerkteam pakt dit op.",
        "Thank you for telling us! Our network team is taking this up.",
    ),
    "service": (
        "Dank voor jullie signalen! De klantenservice neemt dit mee in de chat.",
        "Thank you for telling us! Customer service is taking this into the chat.",
    ),
    "retail": (
        "Dank voor jullie signalen! We proberen dit eerst in een paar winkels.",
        "Thank you for telling us! We'll try this in a few shops first.",
    ),
    "marketing": (
        "Dank voor jullie signalen! We nemen dit mee in wat we jullie vertellen.",
        "Thank you for telling us! We're taking this into what we tell you.",
    ),
}
NOTES = [
    "Besproken in het teamoverleg; past in de planning van volgend kwartaal.",
    "Navraag gedaan bij de leverancier, antwoord volgt.",
    "Zelfde signaal als bij de klantenservice; samen oppakken.",
]
LOTTES_ANSWER = (
    "Goed idee! Het nieuwe startscherm met je verbruik komt in versie 12.0.",
    "Great idea! The new home screen with your usage arrives in version 12.0.",
)

Source = namedtuple("Source", "kind id text created_at")


def load_insights(rng, staff, now):
    """staff: the demo Staff (the owner and the panel manager write insights; the reviewer
    answers them for billing, the app and customer service)."""
    tags = {name_nl: Tag(name_nl=name_nl, name_en=name_en) for name_nl, name_en in TAGS}
    db.session.add_all(tags.values())
    streams = {stream.slug: stream for stream in Stream.query.all()}
    for slug in ("billing", "app_digital", "service"):
        db.session.add(StreamMember(stream_id=streams[slug].id, user_id=staff.reviewer.id))
    for position, (name, tag_names, keywords, slugs) in enumerate(RULES):
        db.session.add(
            RoutingRule(
                position=(position + 1) * 10,
                name=name,
                keywords=keywords,
                tags=[tags[t] for t in tag_names],
                streams=[streams[s] for s in slugs],
            )
        )
    db.session.flush()
    sources = _sources()
    _lottes_loop(rng, staff, tags, streams, sources, now)
    for index, (title, description, tag_names, words) in enumerate(INSIGHTS[1:]):
        matching = [s for s in sources if _mentions(s.text, words)]
        if not matching:
            continue
        # Written a few days after something that was said (mostly in the last months), resting
        # on what was said about it in the months before.
        recent = [s for s in matching if s.created_at > now - timedelta(days=RECENT_DAYS)]
        said = rng.choice(recent) if recent else matching[-1]
        created = min(
            said.created_at + timedelta(days=rng.randint(1, 14)),
            now - timedelta(hours=rng.randint(6, 48)),
        )
        earlier = [
            s for s in matching if created - timedelta(days=RECENT_DAYS) < s.created_at < created
        ]
        evidence = rng.sample(earlier, min(len(earlier), rng.randint(1, 6)))
        author = staff.owner_nl if index % 2 else staff.manager
        insight = _insight(
            title, description, [tags[t] for t in tag_names], author, evidence, created
        )
        for route in insight.routes:
            _handle(rng, route, created, staff.reviewer, now)
    db.session.flush()
    assign_some_routes(rng, staff)


def _sources():
    """Every contribution an insight can rest on, with its text in lower case, oldest first."""
    found = [
        Source("idea", i.id, f"{i.title}: {i.body}".lower(), i.created_at)
        for i in Idea.query.filter(Idea.author_id.isnot(None))
    ]
    found += [
        Source("comment", c.id, c.body.lower(), c.created_at)
        for c in Comment.query.filter(Comment.author_id.isnot(None))
    ]
    found += [
        Source(
            "response",
            r.id,
            " — ".join(t for t in (r.improve_text, r.problem_text) if t).lower(),
            r.created_at,
        )
        for r in Response.query.filter(
            (Response.improve_text.isnot(None)) | (Response.problem_text.isnot(None))
        )
    ]
    return sorted(found, key=lambda source: (source.created_at, source.kind, source.id))


def _mentions(text, words):
    """Whether the text has one of the words (or a word starting with it: storing, storingen)."""
    return any(re.search(r"(?<!\w)" + re.escape(word), text) for word in words)


# The insights' titles in English (panelists whose words are the evidence read them); the
# white screen after logging in has no English title yet: English readers see it marked.
TITLES_EN = {
    "Verbruik direct zien op het startscherm": "See your usage straight away on the home screen",
    "Verbruik per dag laten zien": "Show usage per day",
    "De rekening is lastig te lezen": "The bill is hard to read",
    "Onverwachte bedragen op de rekening": "Unexpected amounts on the bill",
    "Rekening moeilijk te vinden in de app": "The bill is hard to find in the app",
    "Inloggen met een wachtwoord kost moeite": "Logging in with a password is a struggle",
    "Chat vergeet eerdere vragen": "The chat forgets earlier questions",
    "Chat ook buiten kantoortijd": "Chat outside office hours too",
    "Mens of chatbot: laat het zien": "Person or chatbot: make it clear",
    "Storingen sneller melden": "Report outages sooner",
    "Eerlijke hersteltijd bij storingen": "An honest repair time for outages",
    "Roamingkosten live tonen": "Show roaming costs live",
    "Schrikrekening na de vakantie": "Bill shock after the holidays",
    "Afspraak maken in de winkel": "Book an appointment in the shop",
    "Hulp met een nieuwe telefoon in de winkel": "Help with a new phone in the shop",
    "App is traag op oudere telefoons": "The app is slow on older phones",
    "App verbruikt veel batterij sinds versie 11.8": "The app drains the battery since 11.8",
    "Te veel meldingen": "Too many notifications",
    "Lettergrootte in de app": "Text size in the app",
    "Donkere modus gevraagd": "Dark mode wanted",
    "Bundel bijkopen met iDEAL lukt niet": "Buying extra data with iDEAL fails",
    "Zelf de betaaldatum kiezen": "Choose your own payment date",
    "Eén rekening voor het hele gezin": "One bill for the whole family",
}


def _insight(title, description, tags, author, evidence, created):
    insight = services.create_insight(
        title,
        TITLES_EN.get(title, ""),
        description,
        tags,
        author,
        evidence=[(s.kind, s.id) for s in evidence],
    )
    insight.created_at = created
    for row in Evidence.query.filter_by(insight_id=insight.id):
        row.created_at = created
    _date_routes(insight, created)
    return insight


def _date_routes(insight, created):
    """Routed when the insight was written, due the stream's target time later."""
    for route in insight.routes:
        route.routed_at = created
        route.due_at = add_working_days(created, route.stream.target_days)


def _handle(rng, route, created, reviewer, now):
    """What the stream did with it so far; nothing after today."""
    # Streams get round to everything: only the last month's insights may still be new.
    status = rng.choice(STATUSES if now - created < timedelta(days=30) else SETTLED)
    first = created + timedelta(hours=rng.randint(2, 90))
    if status == "new" or first > now - timedelta(hours=1):
        return
    route.status, route.first_response_at = status, first
    if status in ("done", "declined"):
        decided = first + timedelta(days=rng.randint(1, 20))
        if decided < now:
            route.decided_at = decided
        else:
            route.status = "in_progress"
    answered = first + timedelta(days=2)
    if route.status in ("planned", "done") and rng.random() < 0.7 and answered < now:
        route.answer_nl, route.answer_en = ANSWERS.get(route.stream.slug, ANSWERS["app_digital"])
        route.answered_at = answered
    if rng.random() < 0.3:
        db.session.add(
            InternalNote(
                route_id=route.id,
                author_id=reviewer.id,
                body=rng.choice(NOTES),
                created_at=between(
                    rng, first, min(first + timedelta(days=3), now - timedelta(hours=1))
                ),
            )
        )


def _lottes_loop(rng, staff, tags, streams, sources, now):
    """The demo panelist sees the whole loop: her idea for the usage screen and what she said
    about the app became an insight, which the app stream planned and answered."""
    lotte = member_by_email("panellid@klantenteam.example")
    title, description, tag_names, words = INSIGHTS[0]
    hers = {("idea", i.id) for i in Idea.query.filter_by(author_id=lotte.id)}
    hers |= {("response", r.id) for r in Response.query.filter_by(member_id=lotte.id)}
    created = now - timedelta(days=12)
    mine = [
        s
        for s in sources
        if (s.kind, s.id) in hers and s.created_at < created and _mentions(s.text, words)
    ]
    others = [
        s for s in sources if s not in mine and s.created_at < created and _mentions(s.text, words)
    ]
    evidence = mine + rng.sample(others, min(len(others), 4))
    insight = _insight(
        title, description, [tags[t] for t in tag_names], staff.owner_nl, evidence, created
    )
    if not insight.routes:
        services.add_route(insight, streams["app_digital"], staff.owner_nl)
        _date_routes(insight, created)
    for route in insight.routes:
        route.status = "planned"
        route.first_response_at = created + timedelta(days=1, hours=3)
        route.answer_nl, route.answer_en = LOTTES_ANSWER
        route.answered_at = now - timedelta(days=1)


def assign_some_routes(rng, staff):
    """The stream inbox's "mine" and "unassigned": the reviewer took about half of the open
    insights in her streams (assigned by the panel manager, as a team lead would)."""
    own = services.reviewer_stream_ids(staff.reviewer)
    open_routes = [
        route
        for route in Route.query.filter(
            Route.stream_id.in_(own), Route.status.in_(OPEN_STATUSES), Route.removed_at.is_(None)
        ).order_by(Route.id)
    ]
    for route in open_routes:
        if rng.random() < 0.5:
            route.assigned_to_id = staff.reviewer.id
    db.session.flush()
