"""Demo insights: tags, routing rules, reviewers per stream, and 60 insights in every state."""
from datetime import timedelta

from .database import utcnow
from .extensions import db
from .feedback.models import Response
from .insights import services
from .insights.models import InternalNote, RoutingRule, Stream, StreamMember, Tag
from .insights.workdays import add_working_days
from .rounds.models import Comment, Idea

TAGS = [("Verbruik", "Usage"), ("Rekening", "Bill"), ("Inloggen", "Log-in"), ("Snelheid", "Speed"),
        ("Bereik", "Coverage"), ("Chat", "Chat"), ("Winkel", "Shop"), ("Roaming", "Roaming"),
        ("Toegankelijkheid", "Accessibility"), ("Meldingen", "Notifications")]
RULES = [
    ("Rekeningen naar facturering", ["Rekening"], "rekening, factuur, bill, invoice, betalen", ["billing"]),
    ("Alles over de app", ["Inloggen", "Meldingen", "Toegankelijkheid"], "app, widget, dark mode", ["app_digital"]),
    ("Netwerk", ["Bereik", "Snelheid"], "storing, bereik, outage, coverage", ["network"]),
    ("Chat en klantenservice", ["Chat"], "chat, klantenservice, customer service", ["service"]),
    ("Winkels", ["Winkel"], "winkel, shop, store", ["retail"]),
    ("Roaming ook naar marketing", ["Roaming"], "roaming, buitenland, abroad", ["billing", "marketing"]),
]
TITLES = [
    ("Verbruik moet direct zichtbaar zijn", "Leden willen bij het openen van de app meteen hun resterende data zien.", ["Verbruik"]),
    ("De rekening is lastig te lezen", "Afkortingen en bedragen zonder uitleg zorgen voor vragen bij de klantenservice.", ["Rekening"]),
    ("Inloggen duurt te lang", "Vooral ouderen haken af bij het inloggen met wachtwoord.", ["Inloggen", "Toegankelijkheid"]),
    ("Chat vergeet eerdere vragen", "De chat begint steeds opnieuw; klanten moeten hun verhaal herhalen.", ["Chat"]),
    ("Storingen beter melden", "Klanten horen te laat over storingen in hun wijk.", ["Bereik", "Meldingen"]),
    ("Roamingkosten live tonen", "In het buitenland willen leden live zien wat ze verbruiken.", ["Roaming"]),
    ("Afspraak maken in de winkel", "Wachten in de winkel is de grootste ergernis.", ["Winkel"]),
    ("App is traag op oudere telefoons", "Android-leden met oudere toestellen melden trage schermen.", ["Snelheid"]),
    ("Te veel meldingen", "Leden zetten meldingen uit omdat het er te veel zijn; daardoor missen ze belangrijke.", ["Meldingen"]),
    ("Lettergrootte in de app", "De tekst is te klein voor een deel van de leden.", ["Toegankelijkheid"]),
]


def load_demo_insights(rng, staff, now=None):
    """staff: (product owner, reviewer, panel manager)."""
    now = now or utcnow()
    owner, reviewer, manager = staff
    tags = {name_nl: Tag(name_nl=name_nl, name_en=name_en) for name_nl, name_en in TAGS}
    db.session.add_all(tags.values())
    streams = {stream.slug: stream for stream in Stream.query.all()}
    for slug in ("billing", "app_digital", "service"):
        db.session.add(StreamMember(stream_id=streams[slug].id, user_id=reviewer.id))
    for position, (name, tag_names, keywords, slugs) in enumerate(RULES):
        db.session.add(RoutingRule(position=(position + 1) * 10, name=name, keywords=keywords,
                                   tags=[tags[t] for t in tag_names], streams=[streams[s] for s in slugs]))
    db.session.flush()
    ideas = Idea.query.filter(Idea.author_id.isnot(None)).all()
    comments = Comment.query.filter(Comment.author_id.isnot(None)).all()
    responses = Response.query.filter(Response.improve_text.isnot(None)).limit(400).all()
    statuses = ["new", "new", "acknowledged", "in_progress", "planned", "done", "declined"]
    for index in range(60):
        title, description, tag_names = TITLES[index % len(TITLES)]
        if index >= len(TITLES):
            title = f"{title} ({index // len(TITLES) + 1})"
        evidence = [("idea", rng.choice(ideas).id)] if ideas and index % 3 == 0 else []
        evidence += [("response", r.id) for r in rng.sample(responses, min(len(responses), rng.randint(1, 6)))]
        if comments and index % 4 == 0:
            evidence.append(("comment", rng.choice(comments).id))
        insight = services.create_insight(title, description, [tags[t] for t in tag_names],
                                          owner if index % 2 else manager, evidence=evidence)
        created = now - timedelta(days=rng.randint(1, 150))
        insight.created_at = created
        for route in insight.routes:
            route.routed_at = created
            route.due_at = add_working_days(created, route.stream.target_days)
            status = rng.choice(statuses)
            if status != "new":
                route.status = status
                route.first_response_at = created + timedelta(hours=rng.randint(2, 90))
            if status in ("done", "declined"):
                route.decided_at = route.first_response_at + timedelta(days=rng.randint(1, 20))
            if status in ("planned", "done") and rng.random() < 0.7:
                route.answer_nl = "Dank voor jullie signalen! We pakken dit op in de volgende versie van de app."
                route.answer_en = "Thank you for telling us! We're taking this up in the next version of the app."
                route.answered_at = route.first_response_at + timedelta(days=2)
            if rng.random() < 0.3:
                db.session.add(InternalNote(route_id=route.id, author_id=reviewer.id,
                                            body="Besproken in het teamoverleg; past in de planning van Q1.",
                                            created_at=created + timedelta(days=1)))
    db.session.flush()
    # The demo panelist sees the whole loop: one of her ideas became an answered insight.
    _lottes_loop(owner, tags, now)


def _lottes_loop(owner, tags, now):
    from .accounts.services import find_user_by_email
    from .membership.models import Member

    from .rounds.models import Round

    lotte = find_user_by_email("panellid@klantenteam.example")
    member = Member.query.filter_by(user_id=lotte.id).first() if lotte else None
    if member is None:
        return
    idea = Idea.query.filter_by(author_id=member.id).first()
    if idea is None:
        shop = Round.query.filter_by(title_en="The shop of the future").first()
        idea = Idea(round_id=shop.id, author_id=member.id, title="Verbruik op het beginscherm van de app",
                    body="Ik wil zonder in te loggen zien hoeveel data ik nog heb.", support_count=0,
                    created_at=now - timedelta(days=20))
        db.session.add(idea)
        db.session.flush()
    evidence = [("idea", idea.id)] + [("response", response.id) for response in Response.query.filter(
        Response.member_id == member.id, Response.improve_text.isnot(None)).limit(1)]
    insight = services.create_insight("Overzicht van verbruik in één oogopslag",
                                      "Meerdere leden vragen om verbruik direct op het startscherm.",
                                      [tags["Verbruik"]], owner, evidence=evidence)
    if not insight.routes:
        services.add_route(insight, Stream.query.filter_by(slug="app_digital").one(), owner)
    for route in insight.routes:
        route.status = "planned"
        route.first_response_at = now - timedelta(days=2)
        route.answer_nl = "Goed idee! Het nieuwe startscherm met je verbruik komt in versie 12.0."
        route.answer_en = "Great idea! The new home screen with your usage arrives in version 12.0."
        route.answered_at = now - timedelta(days=1)


