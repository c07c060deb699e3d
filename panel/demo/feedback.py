"""Demo feedback: two years of monthly app releases with responses, a rising trend, comments.

Each release ships its own changes; what panelists write fits what the app did at the time (the
battery complaints start with the release that checks the network in the background), in their
own language, and a problem report names a phone of the panelist's platform.
"""

from datetime import date, timedelta

from sqlalchemy import insert, update

from ..extensions import db
from ..feedback import services
from ..feedback.models import (
    ChangeRating,
    FeedbackInvitation,
    Release,
    ReleaseChange,
    Response,
    TouchpointResponse,
)
from ..notifications.models import Notification
from ..rounds.models import Registration
from .membership import DEMO_PANELISTS, members_by, panel_members, written_by
from .moments import between, local, mail_went_out

RELEASES = 24
# What each monthly release changed, oldest first: (title nl, title en, description nl, en).
CHANGES = [
    [
        (
            "Nieuw ontwerp van de app",
            "A new look for the app",
            "Rustigere kleuren en grotere knoppen.",
            "Calmer colours and bigger buttons.",
        ),
        (
            "Rekening als pdf",
            "Bill as PDF",
            "Download je rekening in één tik.",
            "Download your bill in one tap.",
        ),
    ],
    [
        (
            "Bundel bijkopen",
            "Top up your bundle",
            "Extra data in twee tikken.",
            "Extra data in two taps.",
        )
    ],
    [
        (
            "Inloggen met je gezicht of vingerafdruk",
            "Log in with your face or fingerprint",
            "Inloggen zonder wachtwoord.",
            "Log in without a password.",
        )
    ],
    [
        (
            "Betalen met iDEAL",
            "Pay with iDEAL",
            "Betaal een openstaande rekening direct in de app.",
            "Pay an open bill straight from the app.",
        )
    ],
    [
        (
            "Donkere modus",
            "Dark mode",
            "Rustiger voor je ogen 's avonds.",
            "Easier on your eyes at night.",
        )
    ],
    [
        (
            "Meldingen instellen",
            "Notification settings",
            "Kies zelf welke meldingen je krijgt.",
            "Choose which notifications you get.",
        )
    ],
    [
        (
            "Abonnement verlengen",
            "Renew your plan",
            "Verleng je abonnement zonder te bellen.",
            "Renew your plan without calling us.",
        )
    ],
    [
        (
            "Grotere letters",
            "Larger text",
            "De app volgt nu de lettergrootte van je telefoon.",
            "The app now follows your phone's text size.",
        )
    ],
    [
        (
            "Nummer meenemen",
            "Keep your number",
            "Je oude nummer overzetten regel je nu in de app.",
            "Moving your old number is now done in the app.",
        )
    ],
    [
        (
            "Bellen via wifi",
            "Wi-Fi calling",
            "Zet bellen via wifi aan voor binnen met weinig bereik.",
            "Turn on Wi-Fi calling for indoors with little coverage.",
        )
    ],
    [
        (
            "Simkaart blokkeren",
            "Block your SIM",
            "Telefoon kwijt? Blokkeer je simkaart meteen.",
            "Lost your phone? Block your SIM straight away.",
        )
    ],
    [
        (
            "eSIM activeren",
            "Activate an eSIM",
            "Zet je nummer op een eSIM zonder naar de winkel te gaan.",
            "Move your number to an eSIM without visiting a shop.",
        )
    ],
    [
        (
            "Gespreksoverzicht",
            "Call history",
            "Zie welke nummers je belde en wat dat kostte.",
            "See which numbers you called and what it cost.",
        )
    ],
    [
        (
            "Extra simkaart voor je tablet",
            "Extra SIM for your tablet",
            "Vraag een tweede simkaart aan die je bundel deelt.",
            "Order a second SIM that shares your bundle.",
        )
    ],
    [
        (
            "Snellere app",
            "A faster app",
            "De app opent tot twee keer zo snel.",
            "The app opens up to twice as fast.",
        )
    ],
    [
        (
            "Bundel delen",
            "Share your bundle",
            "Deel data met een ander nummer in je account.",
            "Share data with another number in your account.",
        )
    ],
    [
        (
            "PUK-code opzoeken",
            "Look up your PUK code",
            "Je PUK-code staat nu in de app.",
            "Your PUK code is now in the app.",
        )
    ],
    [
        (
            "Beter met een schermlezer",
            "Better with a screen reader",
            "Alle knoppen hebben nu een duidelijke naam.",
            "Every button now has a clear name.",
        )
    ],
    [
        (
            "Ander abonnement kiezen",
            "Switch plans",
            "Kies in de app een groter of kleiner abonnement.",
            "Choose a bigger or smaller plan in the app.",
        )
    ],
    [
        (
            "Nieuwe hulppagina's",
            "New help pages",
            "Antwoorden op de meestgestelde vragen.",
            "Answers to the most common questions.",
        )
    ],
    [
        (
            "Netwerkstatus op de achtergrond",
            "Network status in the background",
            "De app kijkt op de achtergrond of het netwerk bij jou goed werkt.",
            "The app checks in the background whether the network works well where you are.",
        )
    ],
    [
        (
            "Roamingoverzicht",
            "Roaming overview",
            "Zie wat je in het buitenland verbruikt.",
            "See what you use abroad.",
        )
    ],
    [
        (
            "Chat met de klantenservice",
            "Chat with customer service",
            "Stel je vraag in de app, ook 's avonds.",
            "Ask your question in the app, also in the evening.",
        )
    ],
    [
        (
            "Zuiniger met je batterij",
            "Easier on your battery",
            "De netwerkstatus kijkt minder vaak, zodat je batterij langer meegaat.",
            "The network status checks less often, so your battery lasts longer.",
        )
    ],
]
# "What should we improve next?": (nl, en), weight, the releases (by index) in which it is said.
ALWAYS = range(RELEASES)
COMMENTS = [
    (
        ("De app start traag op mijn telefoon.", "The app is slow to start on my phone."),
        3,
        range(0, 14),
    ),
    (
        ("Op mijn oude telefoon is de app erg traag.", "On my old phone the app is very slow."),
        2,
        ALWAYS,
    ),
    (("Graag een widget met mijn verbruik.", "Please add a widget with my usage."), 2, ALWAYS),
    (
        (
            "Ik wil mijn verbruik meteen zien als ik de app open.",
            "I want to see my usage as soon as I open the app.",
        ),
        3,
        ALWAYS,
    ),
    (
        (
            "Ik moet steeds opnieuw mijn wachtwoord invullen.",
            "I keep having to type my password again.",
        ),
        3,
        range(0, 2),
    ),
    (
        ("Ik kan mijn rekening niet vinden in de app.", "I can't find my bill in the app."),
        2,
        ALWAYS,
    ),
    (
        (
            "Mijn rekening is lastig te lezen, wat betekenen al die afkortingen?",
            "My bill is hard to read, what do all those abbreviations mean?",
        ),
        2,
        ALWAYS,
    ),
    (("Maak de letters alsjeblieft groter.", "Please make the text bigger."), 2, range(0, 7)),
    (
        ("Mijn meldingen komen soms dubbel binnen.", "My notifications sometimes arrive twice."),
        1,
        ALWAYS,
    ),
    (
        ("Ik krijg de laatste tijd te veel meldingen.", "I get too many notifications lately."),
        1,
        range(5, RELEASES),
    ),
    (
        (
            "Overzichtelijker dan de vorige versie, goed gedaan.",
            "Clearer than the previous version, well done.",
        ),
        2,
        ALWAYS,
    ),
    (
        (
            "Ik wil mijn roamingkosten live zien in de app.",
            "I'd like to see my roaming costs live in the app.",
        ),
        1,
        range(0, 21),
    ),
    (
        (
            "Het roamingoverzicht was heel handig op vakantie.",
            "The roaming overview was really handy on holiday.",
        ),
        3,
        range(21, RELEASES),
    ),
    (
        ("Graag een donkere modus voor 's avonds!", "Dark mode for the evening, please!"),
        3,
        range(0, 4),
    ),
    (
        ("Bundel bijkopen lukt niet met iDEAL.", "Topping up my bundle doesn't work with iDEAL."),
        1,
        range(3, RELEASES),
    ),
    (("Prima app, ik heb geen klachten.", "Good app, I have no complaints."), 2, ALWAYS),
    (
        (
            "Ik hoor pas van een storing als ik de klantenservice bel.",
            "I only hear about an outage when I call customer service.",
        ),
        1,
        ALWAYS,
    ),
    (
        (
            "Fijn dat ik nu kan chatten, dat scheelt me bellen.",
            "Great that I can chat now, it saves me calling.",
        ),
        3,
        range(22, RELEASES),
    ),
    (
        (
            "De app vreet mijn batterij leeg, ook als ik hem niet gebruik.",
            "The app drains my battery, even when I'm not using it.",
        ),
        6,
        range(20, 23),
    ),
    (
        (
            "Sinds de laatste update gaat mijn batterij veel sneller leeg.",
            "Since the last update my battery runs down much faster.",
        ),
        5,
        range(20, 23),
    ),
]
USAGE_WISH = COMMENTS[3][0]  # what the demo panelists asked for in the previous release
PROBLEMS = [
    (
        ("De app loopt vast als ik mijn rekening open.", "The app freezes when I open my bill."),
        ALWAYS,
    ),
    (
        ("Na het inloggen blijft het scherm wit.", "After logging in, the screen stays white."),
        ALWAYS,
    ),
    (
        (
            "De app sluit zichzelf af als ik data bijkoop.",
            "The app closes itself when I top up data.",
        ),
        range(1, RELEASES),
    ),
    (
        (
            "De app gebruikt op de achtergrond heel veel batterij.",
            "The app uses a lot of battery in the background.",
        ),
        range(20, 23),
    ),
]
# Phones a problem is reported from, by the platform the member told us at joining.
DEVICES = {
    "ios": [
        ("iPhone 12", "iOS 17.6"),
        ("iPhone 13", "iOS 18.1"),
        ("iPhone 14 Pro", "iOS 18.2"),
        ("iPhone SE (2022)", "iOS 17.5"),
        ("iPhone 15", "iOS 18.1"),
    ],
    "android": [
        ("Samsung Galaxy S21", "Android 14"),
        ("Samsung Galaxy A54", "Android 14"),
        ("Google Pixel 7", "Android 15"),
        ("OnePlus Nord 3", "Android 14"),
        ("Motorola moto g54", "Android 13"),
        ("Fairphone 4", "Android 13"),
    ],
}
SESSION_REMARKS = [
    ("Iets meer tijd voor vragen, graag.", "A bit more time for questions, please."),
    ("Lekker hapje en drankje, dank jullie wel!", "Great snacks, thank you!"),
    (
        "Laat ons weten wat jullie met onze inbreng doen.",
        "Please let us know what you do with what we said.",
    ),
    ("Het was fijn om het zelf te proberen.", "It was good to try it myself."),
]


def load_feedback(rng, owner, now):
    """owner: the product owner who publishes the releases."""
    members = panel_members(("active", "paused"))
    demo_panelists = [m for m in members if m.user.email in {e for e, *_ in DEMO_PANELISTS}]
    for index, opens, closes in _windows(now):
        month = date(opens.year, opens.month, 1)
        release = Release(
            version=f"{10 + index // 12}.{index % 12}",
            month=month,
            opens_at=opens,
            closes_at=closes,
            audience="all",
            created_by_id=owner.id,
            created_at=opens - timedelta(days=6),
        )
        release.changes = [
            ReleaseChange(
                position=i, title_nl=c[0], title_en=c[1], description_nl=c[2], description_en=c[3]
            )
            for i, c in enumerate(CHANGES[index])
        ]
        db.session.add(release)
        db.session.flush()
        services.publish_release(release, owner)  # the open one invites its audience right away
        release.published_at = opens - timedelta(days=2)
        if closes <= now:
            invited = members_by(opens, members)
            release.invited_count = len(invited)
            db.session.execute(
                insert(FeedbackInvitation),
                [
                    {"release_id": release.id, "member_id": m.id, "created_at": opens}
                    for m in invited
                ],
            )
        else:  # publishing invited the active members just now: as if when the window opened
            invited = [m for m in members if m.status == "active"]
            db.session.execute(
                update(FeedbackInvitation)
                .where(FeedbackInvitation.release_id == release.id)
                .values(created_at=opens)
            )
            db.session.execute(
                update(Notification)
                .where(Notification.kind == "release_feedback")
                .values(created_at=opens)
            )
            mail_went_out(opens)
        release.invited_at = opens
        _responses(rng, release, index, invited, demo_panelists, now)
        db.session.flush()
        services.rebuild_counts(release)
    _touchpoints(rng, now)
    db.session.flush()


def _windows(now):
    """(index, opens, closes) of each release, oldest first: monthly windows of two weeks from the
    3rd; the newest opened five days ago and closes in six days."""
    current = (now - timedelta(days=5)).date()
    windows = []
    for index in range(RELEASES):
        months_back = RELEASES - 1 - index
        if months_back == 0:
            opens = local(current, 8)
            closes = opens + timedelta(days=11)
        else:
            month = current.year * 12 + current.month - 1 - months_back
            opens = local(date(month // 12, month % 12 + 1, 3), 8)
            closes = opens + timedelta(days=14)
        windows.append((index, opens, closes))
    return windows


def _responses(rng, release, index, invited, demo_panelists, now):
    # A slowly rising score with some noise: the trend is the headline.
    promoter_share = min(0.25 + index * 0.012 + rng.uniform(-0.05, 0.05), 0.7)
    detractor_share = max(0.35 - index * 0.009 + rng.uniform(-0.04, 0.04), 0.08)
    is_current = release.closes_at > now
    # The demo panelists answered the previous release, and still have the current one to do.
    pool = [m for m in invited if m not in demo_panelists]
    share = rng.uniform(0.2, 0.3) if is_current else rng.uniform(0.5, 0.65)
    respondents = rng.sample(pool, round(len(pool) * share))
    if index == RELEASES - 2:
        respondents += demo_panelists
    comments = [(text, weight) for text, weight, when in COMMENTS if index in when]
    problems = [text for text, when in PROBLEMS if index in when]
    last = min(release.closes_at, now) - timedelta(minutes=30)
    for member in respondents:
        roll = rng.random()
        score = (
            rng.choice([9, 10])
            if roll < promoter_share
            else rng.randint(0, 6)
            if roll < promoter_share + detractor_share
            else rng.choice([7, 8])
        )
        band = member.age_band
        text = None
        if member in demo_panelists:
            text = USAGE_WISH
        elif rng.random() < 0.35:
            text = rng.choices([t for t, _ in comments], weights=[w for _, w in comments])[0]
        response = Response(
            release_id=release.id,
            member_id=member.id,
            score=score,
            customer_type=member.customer_type,
            platform=member.platform,
            age_band=band.value if band else None,
            improve_text=written_by(member, text) if text else None,
            created_at=between(rng, release.opens_at + timedelta(hours=1), last),
        )
        response.updated_at = response.created_at
        if member.platform in DEVICES and rng.random() < 0.05:
            response.problem_text = written_by(member, rng.choice(problems))
            response.problem_device, response.problem_os = rng.choice(DEVICES[member.platform])
        response.ratings = [
            ChangeRating(change_id=c.id, rating=None if rng.random() < 0.2 else rng.randint(2, 5))
            for c in release.changes
        ]
        db.session.add(response)


def _touchpoints(rng, now):
    """After a session they attended, most participants say how it was."""
    attended = Registration.query.filter_by(attendance="attended").order_by(Registration.id).all()
    for registration in attended:
        if rng.random() >= 0.7:
            continue
        ended = registration.session.ends_at
        remark = rng.choice([None, None] + SESSION_REMARKS)
        db.session.add(
            TouchpointResponse(
                registration_id=registration.id,
                member_id=registration.member_id,
                score=rng.choices(range(11), weights=[1, 1, 1, 1, 1, 2, 3, 6, 12, 18, 16])[0],
                better_text=written_by(registration.member, remark) if remark else None,
                created_at=between(
                    rng,
                    ended + timedelta(hours=1),
                    min(ended + timedelta(days=2), now - timedelta(hours=1)),
                ),
            )
        )
