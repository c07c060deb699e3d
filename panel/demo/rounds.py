"""Demo rounds: eight co-creation rounds in every stage, with sessions, ideas and invitations.

Every round runs its course in time: ideas are posted in its idea stage and are about the round's
subject, sessions take place before the launch they fed and are numbered in the order they happen,
and everything panelists wrote is in their own language.
"""

import random
from datetime import timedelta

from ..audit import record_audit
from ..extensions import db
from ..forms import REDACTED
from ..insights.models import Insight, outcome_insights
from ..rounds import merging
from ..rounds.models import (
    DEFAULT_ACTIONS,
    FLOW,
    Comment,
    Idea,
    IdeaCategory,
    IdeaSupport,
    Invitation,
    Registration,
    Round,
    RoundAction,
    Session,
    StageChange,
)
from ..rounds.moderation import ContentReport
from .membership import DEMO_PANELISTS, member_by_email, members_by, panel_members, written_by
from .moments import between, local, weekday_before

STAGE_DAYS = 25  # how long a round stays in each stage

ROUNDS = [
    {
        "stage": "prototype",
        "visibility": "all",
        "published": True,
        "owner": "nl",
        "title": ("Verbruik in één oogopslag", "Usage at a glance"),
        "summary": (
            "We bouwen een nieuw startscherm in de app dat je verbruik meteen laat zien. "
            "Test het prototype met ons.",
            "We're building a new home screen in the app that shows your usage straight "
            "away. Try the prototype with us.",
        ),
        "question": (
            "Wat wil je als eerste zien als je de app opent?",
            "What do you want to see first when you open the app?",
        ),
        "ideas": [
            (
                (
                    "Verbruik als meter",
                    "Laat mijn bundel zien als een meter die leegloopt, net als de "
                    "benzinemeter in de auto.",
                ),
                (
                    "Usage as a gauge",
                    "Show my bundle as a gauge that runs down, like the fuel gauge in a car.",
                ),
            ),
            (
                (
                    "Melding bij 80% van mijn data",
                    "Stuur me een bericht als ik 80% van mijn data heb gebruikt.",
                ),
                ("Alert at 80% of my data", "Send me a message when I've used 80% of my data."),
            ),
            (
                (
                    "Widget met mijn verbruik",
                    "Een widget met mijn resterende data, zodat ik de app niet hoef te openen.",
                ),
                (
                    "A widget with my usage",
                    "A widget with my remaining data, so I don't have to open the app.",
                ),
            ),
            (
                (
                    "Verbruik per dag",
                    "Laat zien hoeveel data ik per dag gebruik, dan kan ik beter plannen.",
                ),
                ("Usage per day", "Show how much data I use per day, so I can plan better."),
            ),
            (
                (
                    "Bundel en tegoed samen",
                    "Zet mijn bundel en mijn beltegoed samen op één scherm.",
                ),
                (
                    "Bundle and credit together",
                    "Put my bundle and my calling credit together on one screen.",
                ),
            ),
            (
                (
                    "Verbruik op het beginscherm van de app",
                    "Ik wil zonder in te loggen zien hoeveel data ik nog heb.",
                ),
                (
                    "Usage on the app's first screen",
                    "I want to see how much data I have left without logging in.",
                ),
                "lotte",
                "selected",
            ),
        ],
        "comments": [
            (
                "Misschien ook als widget op het beginscherm?",
                "Maybe as a widget on the home screen too?",
            ),
            (
                "Graag ook mijn verbruik van deze maand en de vorige.",
                "Please show this month's usage and last month's as well.",
            ),
        ],
        "notes": [
            "Deelnemers begrepen de verbruiksmeter meteen; wel wilden ze ook hun beltegoed zien.",
            "Twee deelnemers zochten hun verbruik eerst in het menu.",
            "Bijna iedereen wil het verbruik zien zonder eerst in te loggen.",
        ],
    },
    {
        "stage": "concept",
        "visibility": "all",
        "published": True,
        "owner": "nl",
        "title": ("Een eerlijkere rekening", "A fairer bill"),
        "summary": (
            "Rekeningen zijn soms lastig te lezen. Samen maken we ze duidelijker.",
            "Bills are sometimes hard to read. Together we'll make them clearer.",
        ),
        "question": (
            "Wat snap je niet aan je rekening?",
            "What don't you understand about your bill?",
        ),
        "ideas": [
            (
                (
                    "Rekening in gewone taal",
                    "Gebruik geen afkortingen op de rekening, maar gewone woorden.",
                ),
                ("Bill in plain language", "Use plain words on the bill instead of abbreviations."),
            ),
            (
                (
                    "Uitleg bij extra kosten",
                    "Zet bij elk extra bedrag op de rekening waar het vandaan komt.",
                ),
                (
                    "Explain extra costs",
                    "Next to every extra amount on the bill, say where it comes from.",
                ),
            ),
            (
                (
                    "Vergelijk met vorige maand",
                    "Laat op de rekening zien waarom het bedrag hoger is dan vorige maand.",
                ),
                (
                    "Compare with last month",
                    "Show on the bill why the amount is higher than last month.",
                ),
            ),
            (
                (
                    "Rekening lezen in de app",
                    "Ik wil mijn rekening in de app kunnen lezen, niet alleen als pdf.",
                ),
                (
                    "Read my bill in the app",
                    "I'd like to read my bill in the app, not only as a PDF.",
                ),
            ),
            (
                (
                    "Zelf een betaaldatum kiezen",
                    "Laat me zelf kiezen wanneer de rekening wordt afgeschreven.",
                ),
                (
                    "Choose my own payment date",
                    "Let me choose the day my bill is paid by direct debit.",
                ),
            ),
            (
                (
                    "Eén rekening voor het hele gezin",
                    "Zet alle nummers van ons gezin op één overzichtelijke rekening.",
                ),
                (
                    "One bill for the whole family",
                    "Put all the numbers of our family on one clear bill.",
                ),
            ),
        ],
        "comments": [
            (
                "De kosten van 0900-nummers op mijn rekening snap ik nooit.",
                "I never understand the costs of premium numbers on my bill.",
            ),
            (
                "Ja, en zet het totaalbedrag bovenaan de rekening.",
                "Yes, and put the total amount at the top of the bill.",
            ),
        ],
        "notes": [
            "Niemand begreep de afkorting ‘verr.’ op de rekening.",
            "Deelnemers willen het totaalbedrag bovenaan en de uitleg eronder.",
            "De vergelijking met vorige maand sprak iedereen aan.",
        ],
    },
    {
        "stage": "pilot",
        "visibility": "invited",
        "published": True,
        "owner": "nl",
        "title": ("Proef: 5G-internet thuis", "Trial: 5G internet at home"),
        "summary": (
            "Een kleine groep test thuis ons nieuwe 5G-modem. Alleen op uitnodiging.",
            "A small group tries our new 5G modem at home. By invitation only.",
        ),
        "question": (
            "Hoe goed werkt 5G-internet bij jou thuis?",
            "How well does 5G internet work at your home?",
        ),
        "ideas": [],
        "comments": [],
        "notes": [
            "Het modem aansluiten duurde gemiddeld tien minuten.",
            "Twee deelnemers hadden op zolder minder bereik dan verwacht.",
            "De snelheid was 's avonds lager dan overdag; dat zoeken we uit.",
        ],
    },
    {
        "stage": "idea",
        "visibility": "all",
        "published": True,
        "owner": "en",
        "title": ("De winkel van de toekomst", "The shop of the future"),
        "summary": (
            "Hoe ziet onze winkel er over vijf jaar uit? We verzamelen jullie ideeën.",
            "What will our shop look like in five years? We're collecting your ideas.",
        ),
        "question": (
            "Waarvoor zou jij nog naar een winkel gaan?",
            "What would you still visit a shop for?",
        ),
        "ideas": [
            (
                (
                    "Afspraak maken in de winkel",
                    "Ik wil online een tijd kiezen, zodat ik in de winkel niet hoef te wachten.",
                ),
                (
                    "Book a time in the shop",
                    "I'd like to pick a time online, so I don't have to wait in the shop.",
                ),
            ),
            (
                (
                    "Telefoon lenen uit de winkel",
                    "Laat me een nieuwe telefoon een weekend lenen uit de "
                    "winkel voordat ik hem koop.",
                ),
                (
                    "Borrow a phone from the shop",
                    "Let me borrow a new phone from the shop for a weekend before I buy it.",
                ),
            ),
            (
                (
                    "Hulp bij overzetten in de winkel",
                    "Een medewerker in de winkel die al mijn foto's "
                    "en apps naar mijn nieuwe telefoon zet.",
                ),
                (
                    "Help moving over in the shop",
                    "Someone in the shop who moves all my photos and apps to my new phone.",
                ),
            ),
            (
                (
                    "Reparatiebalie in de winkel",
                    "Mijn scherm laten vervangen terwijl ik in de winkel een kop koffie drink.",
                ),
                (
                    "A repair desk in the shop",
                    "Get my screen replaced while I have a coffee in the shop.",
                ),
            ),
            (
                (
                    "Drukte in de winkel zien",
                    "Laat in de app zien hoe druk het nu in de winkel is.",
                ),
                ("See how busy the shop is", "Show in the app how busy the shop is right now."),
            ),
            (
                (
                    "Winkel ook op zondag open",
                    "Een winkel die ook op zondag open is, voor wie doordeweeks werkt.",
                ),
                (
                    "Shop open on Sundays",
                    "A shop that is also open on Sundays, for people who work on weekdays.",
                ),
            ),
        ],
        "comments": [
            (
                "Liever een afspraak dan een rij in de winkel, zeker op zaterdag.",
                "I'd rather book a time than queue in the shop, especially on a Saturday.",
            )
        ],
        "notes": [
            "Most participants would still visit a shop for advice and repairs.",
            "Booking a time in the shop was the idea people liked best.",
        ],
    },
    {
        "stage": "launch",
        "visibility": "all",
        "published": True,
        "owner": "nl",
        "title": ("Klantenservice via chat", "Customer service by chat"),
        "summary": (
            "Samen met jullie hebben we de chat in de app ontworpen. Nu is hij live.",
            "We designed the chat in the app together with you. Now it's live.",
        ),
        "question": (
            "Wanneer kies je voor chat in plaats van bellen?",
            "When do you choose chat over calling?",
        ),
        "ideas": [
            (
                (
                    "Chat ook 's avonds",
                    "Ik wil ook na het eten nog met de klantenservice kunnen chatten.",
                ),
                (
                    "Chat in the evening too",
                    "I want to chat with customer service after dinner as well.",
                ),
                None,
                "shipped",
            ),
            (
                (
                    "Chat onthoudt mijn vraag",
                    "De chat moet onthouden wat ik eerder vroeg, zodat ik het "
                    "niet opnieuw hoef uit te leggen.",
                ),
                (
                    "Chat remembers my question",
                    "The chat should remember what I asked before, so I "
                    "don't have to explain it again.",
                ),
                None,
                "shipped",
            ),
            (
                (
                    "Foto sturen in de chat",
                    "Laat me een foto van mijn scherm of modem in de chat sturen.",
                ),
                (
                    "Send a photo in the chat",
                    "Let me send a photo of my screen or modem in the chat.",
                ),
            ),
            (
                (
                    "Mens of chatbot in de chat",
                    "Laat zien of ik in de chat met een chatbot of met een medewerker praat.",
                ),
                (
                    "Person or bot in the chat",
                    "Show whether I'm talking to a bot or to a real person in the chat.",
                ),
            ),
            (
                (
                    "Terugbellen vanuit de chat",
                    "Een knop in de chat waarmee de klantenservice me terugbelt.",
                ),
                (
                    "Call me back from the chat",
                    "A button in the chat so that customer service calls me back.",
                ),
            ),
            (
                (
                    "Oude chats teruglezen",
                    "Ik wil mijn oude gesprekken in de chat terug kunnen lezen.",
                ),
                (
                    "Read old chats again",
                    "I'd like to read my old conversations in the chat again.",
                ),
            ),
        ],
        "comments": [
            (
                "De chat vergeet nu steeds wat ik eerder vroeg.",
                "The chat keeps forgetting what I asked before.",
            )
        ],
        "notes": [
            "Deelnemers willen weten of ze in de chat met een medewerker of een chatbot praten.",
            "De chat moet het gesprek onthouden, ook als je de app sluit.",
        ],
    },
    {
        "stage": "closed",
        "visibility": "all",
        "published": True,
        "owner": "nl",
        "title": ("Zorgeloos bellen in het buitenland", "Worry-free roaming"),
        "summary": (
            "Geen verrassingen meer na je vakantie.",
            "No more surprises after your holiday.",
        ),
        "question": (
            "Wat maakt je onzeker als je in het buitenland bent?",
            "What makes you unsure when you're abroad?",
        ),
        "ideas": [
            (
                (
                    "Sms bij aankomst in het buitenland",
                    "Stuur me bij aankomst in het buitenland meteen "
                    "wat bellen en internetten daar kost.",
                ),
                (
                    "A text on arrival abroad",
                    "When I arrive abroad, text me straight away what calls and data cost there.",
                ),
                None,
                "shipped",
            ),
            (
                (
                    "Waarschuwing bij 80% in het buitenland",
                    "Waarschuw me als ik in het buitenland 80% van mijn bundel heb gebruikt.",
                ),
                ("Warning at 80% abroad", "Warn me when I've used 80% of my bundle abroad."),
                None,
                "shipped",
            ),
            (
                (
                    "Roamingkosten live in de app",
                    "Laat live zien wat ik vandaag in het buitenland heb uitgegeven.",
                ),
                (
                    "Live roaming costs in the app",
                    "Show live in the app what I've spent abroad today.",
                ),
                "chris",
            ),
            (
                (
                    "Vakantiebundel in één tik",
                    "Een extra bundel voor je vakantie in het buitenland, die "
                    "je in de app in één tik koopt.",
                ),
                (
                    "Holiday bundle in one tap",
                    "An extra bundle for your holiday abroad that you buy in the app in one tap.",
                ),
            ),
            (
                (
                    "Duidelijk welke landen buiten de EU vallen",
                    "Zeg in de app duidelijk welke landen voor roaming buiten de EU vallen.",
                ),
                (
                    "Clear about countries outside the EU",
                    "Say clearly in the app which countries are outside the EU for roaming.",
                ),
            ),
            (
                (
                    "Roaming per land uitzetten",
                    "Laat me roaming per land aan- of uitzetten voor ik op reis ga.",
                ),
                (
                    "Turn roaming off per country",
                    "Let me switch roaming on or off per country before I travel.",
                ),
            ),
        ],
        "comments": [
            (
                "Vorig jaar schrok ik van mijn rekening na de vakantie in Turkije.",
                "Last year my bill after a holiday in Turkey was a nasty surprise.",
            )
        ],
        "notes": [
            "Bijna alle deelnemers schrokken weleens van hun rekening na een vakantie in het "
            "buitenland.",
            "Een sms bij aankomst in het buitenland vond iedereen de beste oplossing.",
        ],
    },
    {
        "stage": "idea",
        "visibility": "all",
        "published": False,
        "owner": "nl",
        "title": ("Gezinsabonnement", "Family plan"),
        "summary": ("Eén abonnement voor het hele gezin, met eigen tegoed per persoon.", ""),
        "question": ("Hoe verdeel je een bundel eerlijk?", ""),
        "ideas": [],
        "comments": [],
        "notes": [],
    },
    {
        "stage": "concept",
        "visibility": "all",
        "published": True,
        "owner": "en",
        "title": ("Storingsmeldingen", "Outage alerts"),
        "summary": (
            "Hoe willen jullie horen dat er een storing is, en wanneer die voorbij is?",
            "How do you want to hear about an outage, and when it's over?",
        ),
        "question": (
            "Via welk kanaal wil je een storing horen?",
            "Through which channel do you want to hear about an outage?",
        ),
        "ideas": [
            (
                (
                    "Storing op de kaart",
                    "Laat op een kaart zien waar een storing is en hoe lang die nog duurt.",
                ),
                (
                    "Outage on the map",
                    "Show on a map where there's an outage and how long it will last.",
                ),
            ),
            (
                (
                    "Sms als de storing voorbij is",
                    "Stuur me een sms zodra de storing in mijn wijk is opgelost.",
                ),
                (
                    "A text when the outage is over",
                    "Text me as soon as the outage in my area is fixed.",
                ),
            ),
            (
                (
                    "Zelf een storing melden",
                    "Laat me in de app zelf een storing melden, met mijn locatie erbij.",
                ),
                (
                    "Report an outage myself",
                    "Let me report an outage in the app myself, with my location.",
                ),
            ),
            (
                (
                    "Pushbericht bij een storing",
                    "Een pushbericht als er een storing is op mijn adres.",
                ),
                (
                    "Push message about an outage",
                    "A push message when there's an outage at my address.",
                ),
            ),
            (
                (
                    "Eerlijke hersteltijd bij een storing",
                    "Zeg eerlijk hoe lang een storing nog duurt, ook als het lang is.",
                ),
                (
                    "An honest fix time for an outage",
                    "Tell me honestly how long an outage will last, even if it's long.",
                ),
            ),
            (
                (
                    "Storing per e-mail voor bedrijven",
                    "Voor ons bedrijf graag een e-mail bij elke storing in het netwerk.",
                ),
                (
                    "Outage e-mails for businesses",
                    "For our business, please send an e-mail about every outage in the network.",
                ),
            ),
        ],
        "comments": [
            (
                "Liever een sms dan een pushbericht bij een storing.",
                "I'd rather get a text than a push message about an outage.",
            )
        ],
        "notes": [
            "Participants prefer a text message about an outage to an e-mail.",
            "People want an honest estimate of how long an outage will last.",
        ],
    },
]
COMMENTS = [
    ("Goed idee, dit mis ik ook!", "Good idea, I miss this too!"),
    ("Ja, graag! Dat zou ik echt gebruiken.", "Yes please! I would really use that."),
    ("Dit zou mij veel tijd schelen.", "This would save me a lot of time."),
    ("Eens, maar houd het wel simpel.", "Agreed, but please keep it simple."),
    ("Handig, maar laat het wel optioneel zijn.", "Handy, but please make it optional."),
]
STAGE_NOTES = {
    "concept": (
        "Dank voor al jullie ideeën! We kozen de drie die het vaakst gesteund werden en "
        "werken ze uit tot een concept.",
        "Thank you for all your ideas! We picked the three with the most support and are "
        "turning them into a concept.",
    ),
    "prototype": (
        "Het concept sprak jullie aan, maar de tekst was te lang. Het prototype is "
        "korter en je kunt het nu zelf proberen.",
        "You liked the concept, but the text was too long. The prototype is shorter, "
        "and you can try it yourself now.",
    ),
    "pilot": (
        "In de sessies werkte het prototype goed. Een kleine groep gaat het nu een maand "
        "echt gebruiken.",
        "The prototype worked well in the sessions. A small group will now use it for real "
        "for a month.",
    ),
    "launch": (
        "De pilot was een succes: 8 van de 10 deelnemers willen het houden. We zetten het "
        "live voor iedereen.",
        "The pilot was a success: 8 out of 10 participants want to keep it. We're "
        "launching it for everyone.",
    ),
    "closed": (
        "Deze ronde is klaar. Dank aan iedereen die meedacht!",
        "This round is done. Thanks to everyone who helped!",
    ),
}
ANSWERS = {
    "considering": (
        "Goed idee! We bekijken nog of het in het ontwerp past.",
        "Good idea! We're still looking at whether it fits the design.",
    ),
    "selected": (
        "Mooi idee! We nemen het mee in het ontwerp.",
        "Great idea! We're taking it into the design.",
    ),
    "not_pursued": (
        "Dank je wel. We kiezen hier nu niet voor, omdat het technisch nog niet kan.",
        "Thank you. We're not doing this for now, because it isn't technically possible yet.",
    ),
    "shipped": ("Het zit erin! Dank je wel voor je idee.", "It's in! Thank you for your idea."),
}
OUTCOMES = {
    "Customer service by chat": (
        "De chat in de app is live. Jullie vroegen om een chat die ook 's avonds werkt en je "
        "gesprek onthoudt: dat zit er nu in.",
        "The chat in the app is live. You asked for a chat that also works in the evening and "
        "remembers your conversation: it does now.",
    ),
    "Worry-free roaming": (
        "Je krijgt nu bij aankomst in het buitenland een sms met wat bellen en internetten daar "
        "kost, en een melding bij 80% van je bundel.",
        "When you arrive abroad you now get a text with what calls and data cost there, and an "
        "alert at 80% of your bundle.",
    ),
}
# (venue in Dutch, in English, address, city). The Utrecht shop has no English name yet: English
# readers see the Dutch one, marked (in Dutch).
SESSION_PLACES = [
    ("Hoofdkantoor, zaal De Brug", "Head office, room De Brug", "Wibautstraat 137", "Amsterdam"),
    ("Winkel Hoog Catharijne", None, "Godebaldkwartier 45", "Utrecht"),
    ("Experience Center", "Experience Centre", "Weena 505", "Rotterdam"),
]
SESSIONS_PER_ROUND = {0: 5, 1: 4, 2: 4, 3: 4, 4: 4, 5: 4, 7: 5}  # 30 sessions
UPCOMING_SESSIONS = 2  # in rounds that are still running


def load_rounds(rng, staff, now):
    """staff: the demo Staff. Returns the rounds, in the order of ROUNDS."""
    members = panel_members()
    rounds = []
    for index, spec in enumerate(ROUNDS):
        stage_index = FLOW.index(_stage(spec["stage"]))
        started = now - timedelta(days=20 + STAGE_DAYS * stage_index + index * 3)
        owner = staff.owner_en if spec["owner"] == "en" else staff.owner_nl
        round_ = Round(
            title_nl=spec["title"][0],
            title_en=spec["title"][1],
            summary_nl=spec["summary"][0],
            summary_en=spec["summary"][1],
            question_nl=spec["question"][0],
            question_en=spec["question"][1],
            visibility=spec["visibility"],
            stage=spec["stage"],
            owner=owner,
            created_at=started - timedelta(days=2),
            published_at=started if spec["published"] else None,
        )
        round_.action_rows = [
            RoundAction(stage=s.value, action=a.value)
            for s, actions in DEFAULT_ACTIONS.items()
            for a in actions
        ]
        db.session.add(round_)
        db.session.flush()
        if spec["published"]:
            for step, stage in enumerate(FLOW[: stage_index + 1]):
                note = STAGE_NOTES[stage.value] if step else ("", "")
                db.session.add(
                    StageChange(
                        round_id=round_.id,
                        from_stage=FLOW[step - 1].value if step else None,
                        to_stage=stage.value,
                        actor_id=owner.id,
                        created_at=_stage_started(round_, step),
                        note_nl=note[0],
                        note_en=note[1],
                    )
                )
        rounds.append(round_)
    _invitations(rng, rounds, members, now)
    _sessions(rng, rounds, members, now)
    _ideas(rng, rounds, members, now)
    demo_replies(rng, rounds, members, now)
    demo_moderation(rng, rounds, members, now, staff.manager)
    demo_categories(rounds)
    _outcomes(rounds)
    demo_merge(rounds, members, now)
    db.session.flush()
    return rounds


def _stage(value):
    return next(stage for stage in FLOW if stage.value == value)


def _stage_started(round_, step):
    """When the round entered the step-th stage of the flow (0: the idea stage, at publishing)."""
    return round_.published_at + timedelta(days=STAGE_DAYS * step)


def _launched(round_):
    """When the round was launched, or None while it is not there yet."""
    launch = FLOW.index(_stage("launch"))
    if FLOW.index(_stage(round_.stage)) < launch:
        return None
    return _stage_started(round_, launch)


def _invitations(rng, rounds, members, now):
    demo_panelists = [member_by_email(email) for email, *_ in DEMO_PANELISTS]
    # The trial is invitation only: its group is invited when the round opens.
    pilot = rounds[2]
    for member in rng.sample(members_by(pilot.published_at, members), 40):
        _invite(
            rng,
            pilot,
            member,
            pilot.published_at,
            pilot.published_at + timedelta(days=3),
            weights=[6, 2, 2],
            now=now,
        )
    for round_ in (rounds[1], rounds[3], rounds[7]):
        invited = round_.published_at + timedelta(days=1)
        candidates = [m for m in members_by(invited, members) if m not in demo_panelists]
        for member in rng.sample(candidates, 25):
            _invite(
                rng,
                round_,
                member,
                invited,
                min(invited + timedelta(days=20), now),
                weights=[5, 3, 2],
                now=now,
            )
    # The two demo panelists have an open invitation to look at: try the prototype.
    for member in demo_panelists:
        db.session.add(
            Invitation(
                round_id=rounds[0].id,
                member_id=member.id,
                status="invited",
                created_at=now - timedelta(days=1),
            )
        )
    db.session.flush()


def _invite(rng, round_, member, earliest, latest, weights, now):
    status = rng.choices(["accepted", "declined", "invited"], weights=weights)[0]
    created = between(rng, earliest, latest)
    responded = None
    if status != "invited":
        responded = min(created + timedelta(hours=rng.randint(1, 96)), now - timedelta(hours=1))
    db.session.add(
        Invitation(
            round_id=round_.id,
            member_id=member.id,
            status=status,
            created_at=created,
            responded_at=responded,
        )
    )


def _session_times(rng, round_, count, now):
    """Start times for a round's sessions, earliest first: the past ones between the round's start
    and its launch (or a few days ago), the rest in the coming weeks."""
    launched = _launched(round_)
    upcoming = 0 if launched else UPCOMING_SESSIONS
    past = count - upcoming
    first = round_.published_at + timedelta(days=5)
    last = (launched - timedelta(days=4)) if launched else (now - timedelta(days=3))
    days = []
    for number in range(past):
        slot = first + (last - first) * (number + 0.5) / past
        slot = min(max(slot + timedelta(days=rng.randint(-2, 2)), first), last)
        days.append(weekday_before(slot.date()))
    for number in range(upcoming):
        slot = now + timedelta(days=4 + 8 * number + rng.randint(0, 3))
        days.append(weekday_before(slot.date()))
    return [local(day, rng.choice([10, 14, 19])) for day in sorted(days)]


def _sessions(rng, rounds, members, now):
    pilot_group = {
        inv.member_id
        for inv in Invitation.query.filter_by(round_id=rounds[2].id, status="accepted")
    }
    for index, count in SESSIONS_PER_ROUND.items():
        round_ = rounds[index]
        notes = ROUNDS[index]["notes"]
        for number, starts in enumerate(_session_times(rng, round_, count, now), start=1):
            upcoming = starts > now
            online = number % 2 == 0
            venue_nl, venue_en, address, city = rng.choice(SESSION_PLACES)
            capacity = 2 if (index == 0 and number == count) else rng.choice([8, 10, 12, 15, 20])
            ends = starts + (timedelta(hours=1, minutes=30) if online else timedelta(hours=2))
            kind_nl, kind_en = (
                ("Online sessie", "Online session") if online else ("Sessie", "Session")
            )
            session = Session(
                round_id=round_.id,
                kind="online" if online else "physical",
                title_nl=f"{kind_nl} {number}: {round_.title_nl}",
                title_en=f"{kind_en} {number}: {round_.title_en or round_.title_nl}",
                venue_nl=None if online else venue_nl,
                venue_en=None if online else venue_en,
                address=None if online else address,
                city=None if online else city,
                meeting_link=(
                    f"https://meet.example.com/klantenteam-{rng.randint(1000, 9999)}"
                    if online
                    else None
                ),
                starts_at=starts,
                ends_at=ends,
                capacity=capacity,
                registration_deadline=starts - timedelta(days=1),
                seats_taken=0,
                notes=None if upcoming else notes[(number - 1) % len(notes)],
            )
            db.session.add(session)
            db.session.flush()
            opens = max(round_.published_at, starts - timedelta(days=21))
            pool = [
                m
                for m in members_by(opens, members)
                if (m.attends_online if online else m.attends_physical)
                and (index != 2 or m.id in pilot_group)
            ]
            _registrations(rng, session, pool, opens, now)
    db.session.flush()


def _registrations(rng, session, pool, opens, now):
    """First come, first served: the earliest registrations get the seats, the rest wait."""
    capacity = session.capacity
    wanted = min(len(pool), capacity + 2 if capacity == 2 else capacity + rng.randint(-3, 0))
    closes = min(session.registration_deadline, now) - timedelta(hours=1)
    moments = sorted(between(rng, opens, closes) for _ in range(max(wanted, 0)))
    for member, registered in zip(rng.sample(pool, len(moments)), moments, strict=True):
        confirmed = session.seats_taken < capacity
        registration = Registration(
            session_id=session.id,
            member_id=member.id,
            status="confirmed" if confirmed else "waitlisted",
            created_at=registered,
            confirmed_at=registered if confirmed else None,
            waitlisted_at=None if confirmed else registered,
        )
        if confirmed and session.ends_at < now:
            registration.attendance = "attended" if rng.random() < 0.85 else "no_show"
            registration.attendance_marked_at = session.ends_at + timedelta(minutes=30)
        db.session.add(registration)
        session.seats_taken += 1 if confirmed else 0


def _ideas(rng, rounds, members, now):
    authors = {
        "lotte": member_by_email("panellid@klantenteam.example"),
        "chris": member_by_email("member@klantenteam.example"),
    }
    for index, round_ in enumerate(rounds):
        spec = ROUNDS[index]
        if not spec["published"] or not spec["ideas"]:
            continue
        # Ideas are posted in the idea stage (which lasts STAGE_DAYS, or is going on now).
        idea_stage_ends = min(_stage_started(round_, 1), now) - timedelta(days=1)
        for idea_spec in rng.sample(spec["ideas"], len(spec["ideas"])):
            nl, en, by, planned = (tuple(idea_spec) + (None, None))[:4]
            created = between(rng, round_.published_at + timedelta(hours=6), idea_stage_ends)
            author = authors.get(by) or rng.choice(members_by(created, members))
            title, body = written_by(author, (nl, en))
            status = planned or _idea_status(rng, round_)
            idea = Idea(
                round_id=round_.id,
                author_id=author.id,
                title=title,
                body=body,
                status=status,
                created_at=created,
            )
            if status != "new":
                # The team answers in both languages; Chris's answer waits for its English
                # half, so English readers see the Dutch one, marked (in Dutch).
                idea.answer_nl, idea.answer_en = ANSWERS[status]
                if by == "chris":
                    idea.answer_en = None
            if status == "shipped":  # answered when it went live
                idea.answered_at = _launched(round_) + timedelta(hours=rng.randint(2, 30))
            elif status != "new":  # answered within a few weeks, and not after today
                latest = min(created + timedelta(days=20), now - timedelta(hours=1))
                idea.answered_at = between(rng, min(created + timedelta(days=2), latest), latest)
            db.session.add(idea)
            db.session.flush()
            _reactions(rng, idea, spec["comments"] + COMMENTS, members, now)
    db.session.flush()


def _idea_status(rng, round_):
    stage = FLOW.index(_stage(round_.stage))
    if stage == 0:
        return rng.choices(["new", "considering"], weights=[3, 1])[0]
    if _launched(round_):
        return rng.choice(["not_pursued", "selected", "considering"])
    return rng.choice(["considering", "selected", "selected", "not_pursued"])


def _reactions(rng, idea, comments, members, now):
    """Support and comments in the days after the idea was posted, by others than its author."""
    others = [m for m in members_by(idea.created_at, members) if m.id != idea.author_id]
    until = min(idea.created_at + timedelta(days=20), now - timedelta(hours=1))
    supporters = rng.sample(others, rng.randint(0, 18))
    for supporter in supporters:
        db.session.add(
            IdeaSupport(
                idea_id=idea.id,
                member_id=supporter.id,
                created_at=between(rng, idea.created_at, until),
            )
        )
    idea.support_count = len(supporters)
    until = min(idea.created_at + timedelta(days=5), now - timedelta(hours=1))
    for text in rng.sample(comments, rng.randint(0, 3)):
        author = rng.choice(others)
        db.session.add(
            Comment(
                idea_id=idea.id,
                author_id=author.id,
                body=written_by(author, text),
                created_at=between(rng, idea.created_at + timedelta(hours=1), until),
            )
        )


def _outcomes(rounds):
    """At launch the owner writes what came of the round, with the shipped ideas."""
    for round_ in rounds:
        if round_.title_en not in OUTCOMES:
            continue
        round_.outcome_nl, round_.outcome_en = OUTCOMES[round_.title_en]
        round_.outcome_written_at = _launched(round_) + timedelta(days=1)
        round_.outcome_public_at = _launched(round_) + timedelta(days=2)
        for idea in Idea.query.filter_by(round_id=round_.id, status="shipped"):
            idea.in_outcome = True


# The shop round, open for ideas, files its ideas under three categories, named by the owner in
# both languages; each idea is known by its Dutch or English title (authors write in their own).
SHOP_CATEGORIES = [
    (
        ("Je bezoek plannen", "Planning your visit"),
        ["Book a time in the shop", "See how busy the shop is", "Shop open on Sundays"],
    ),
    (
        ("Hulp en service", "Help and service"),
        ["Help moving over in the shop", "A repair desk in the shop"],
    ),
    (("Toestellen", "Devices"), ["Borrow a phone from the shop"]),
]


def demo_categories(rounds):
    """Categories for the round that is open for ideas, with its ideas filed under them."""
    shop = next(r for r in rounds if r.title_en == "The shop of the future")
    spec = next(s for s in ROUNDS if s["title"][1] == shop.title_en)
    titles_of = {idea[1][0]: {idea[0][0], idea[1][0]} for idea in spec["ideas"]}
    ideas = Idea.query.filter_by(round_id=shop.id).all()
    for position, ((name_nl, name_en), english_titles) in enumerate(SHOP_CATEGORIES, 1):
        category = IdeaCategory(
            round_id=shop.id, name_nl=name_nl, name_en=name_en, position=position
        )
        db.session.add(category)
        db.session.flush()
        titles = set().union(*(titles_of[title] for title in english_titles))
        for idea in ideas:
            if idea.title in titles:
                idea.category_id = category.id


# Taking part like on a community: in the shop round, reactions get replies (Lotte answers one),
# someone fixed a typo in their reaction within minutes (it says "edited"), one reaction was
# withdrawn by its author after others replied (its text is gone, the replies stay), and one idea
# was withdrawn by its author (out of the list; its page stays for the reaction to it).
REPLY_THREADS = [
    (
        "Book a time in the shop",
        (
            "Kan ik dan ook een tijd kiezen voor een reparatie?",
            "Could I book a repair that way too?",
        ),
        [
            (
                "lotte",
                (
                    "Goed punt! Dat zou ik ook handig vinden.",
                    "Good point! I'd find that handy too.",
                ),
            ),
            (
                None,
                (
                    "Er is ook een idee voor een reparatiebalie. Misschien kunnen die samen.",
                    "There's an idea for a repair desk too. Maybe the two could go together.",
                ),
            ),
        ],
    ),
    (
        "See how busy the shop is",
        None,  # withdrawn by its author after the replies below
        [
            (
                None,
                (
                    "Ik zou het per uur willen zien, zoals bij de supermarkt.",
                    "I'd like to see it per hour, like the supermarket does.",
                ),
            ),
            (
                "chris",
                (
                    "Ik ook, en een pushbericht als het rustig is.",
                    "Same here, and a push message when it's quiet.",
                ),
            ),
        ],
    ),
]
WITHDRAWN_IDEA_REACTION = (
    "Ik snap wat je bedoelt, maar met een afspraak lukt dat misschien ook.",
    "I see what you mean, but a booked time might do the same.",
)


def demo_replies(rng, rounds, members, now):
    """Replies, an edit and withdrawals in the round that is open for ideas."""
    shop = next(r for r in rounds if r.title_en == "The shop of the future")
    named = {
        "lotte": member_by_email("panellid@klantenteam.example"),
        "chris": member_by_email("member@klantenteam.example"),
    }
    demo_ids = {member.id for member in named.values()}
    ideas = {idea.title: idea for idea in Idea.query.filter_by(round_id=shop.id)}
    spec = next(s for s in ROUNDS if s["title"][1] == shop.title_en)
    titles = {en[0]: {nl[0], en[0]} for nl, en, *_ in spec["ideas"]}
    for english_title, reaction, replies in REPLY_THREADS:
        idea = next(ideas[t] for t in titles[english_title] if t in ideas)
        others = [
            m
            for m in members_by(idea.created_at, members)
            if m.id != idea.author_id and m.id not in demo_ids
        ]
        writer = rng.choice(others)
        posted = between(rng, idea.created_at + timedelta(hours=2), now - timedelta(days=2))
        top = Comment(
            idea_id=idea.id,
            author_id=writer.id,
            body=written_by(writer, reaction) if reaction else "",
            created_at=posted,
        )
        if reaction:
            top.edited_at = posted + timedelta(minutes=4)  # a typo fixed at once
        else:
            top.withdrawn_at = posted + timedelta(days=1, hours=3)
        db.session.add(top)
        db.session.flush()
        for hours, (who, text) in enumerate(replies, 1):
            author = named.get(who) or rng.choice([m for m in others if m.id != writer.id])
            db.session.add(
                Comment(
                    idea_id=idea.id,
                    parent_id=top.id,
                    author_id=author.id,
                    body=written_by(author, text),
                    created_at=posted + timedelta(hours=3 * hours),
                )
            )
    # An idea its author withdrew: its title and text are gone; someone had reacted to it.
    posted = now - timedelta(days=3)
    author, reactor = rng.sample(
        [m for m in members_by(posted, members) if m.id not in demo_ids], 2
    )
    withdrawn = Idea(
        round_id=shop.id,
        author_id=author.id,
        title="",
        body="",
        created_at=posted,
        withdrawn_at=posted + timedelta(days=1),
    )
    db.session.add(withdrawn)
    db.session.flush()
    db.session.add(
        Comment(
            idea_id=withdrawn.id,
            author_id=reactor.id,
            body=written_by(reactor, WITHDRAWN_IDEA_REACTION),
            created_at=posted + timedelta(hours=5),
        )
    )


# Merging a duplicate, and the insights an outcome came from (issue 15). In the shop round a
# panelist posted a second "book a time" idea a few days after the first; the owner merged it
# into the first, so its supports and its reaction count there (the duplicate's page leads to
# it). The launched rounds' outcomes name the insights they came from (linked after the
# insights are made: load_demo calls demo_outcome_insights).
DUPLICATE_TITLE = (
    "Online een tijdslot kiezen voor de winkel",
    "Reserve a slot for the shop online",
)
DUPLICATE_BODY = (
    "Ik wil van tevoren een tijd vastleggen. Dan sta ik niet in de rij bij de balie.",
    "I want to reserve a time beforehand, so I don't have to queue at the counter.",
)
DUPLICATE_REACTION = (
    "Ja! Op zaterdag is het altijd druk in de winkel.",
    "Yes! On Saturdays the shop is always busy.",
)
OUTCOME_INSIGHTS = {
    "Customer service by chat": ["Chat vergeet eerdere vragen", "Chat ook buiten kantoortijd"],
    "Worry-free roaming": ["Roamingkosten live tonen", "Schrikrekening na de vakantie"],
}


def demo_merge(rounds, members, now):
    """A duplicate idea in the shop round, merged into the idea it repeats. Its own random
    choices, so the rest of the demo stays as it was."""
    rng = random.Random(1502)
    shop = next((r for r in rounds if r.title_en == "The shop of the future"), None)
    kept = (
        Idea.query.filter(
            Idea.round_id == shop.id,
            Idea.title.in_(["Afspraak maken in de winkel", "Book a time in the shop"]),
        ).first()
        if shop is not None
        else None
    )
    if kept is None or shop.owner is None:
        return
    posted = min(kept.created_at + timedelta(days=3), now - timedelta(days=2))
    others = [m for m in members_by(posted, members) if m.id != kept.author_id]
    author = rng.choice(others)
    duplicate = Idea(
        round_id=shop.id,
        author_id=author.id,
        title=written_by(author, DUPLICATE_TITLE),
        body=written_by(author, DUPLICATE_BODY),
        created_at=posted,
    )
    db.session.add(duplicate)
    db.session.flush()
    # Three supporters, one of whom also supports the first idea (counted once after the merge).
    kept_fans = [s.member_id for s in IdeaSupport.query.filter_by(idea_id=kept.id)]
    fans = [m for m in others if m.id != author.id and m.id not in kept_fans][:2]
    fans += [m for m in others if m.id in kept_fans][:1]
    for fan in fans:
        db.session.add(
            IdeaSupport(
                idea_id=duplicate.id, member_id=fan.id, created_at=posted + timedelta(hours=4)
            )
        )
    duplicate.support_count = len(fans)
    reacting = rng.choice([m for m in others if m.id != author.id])
    db.session.add(
        Comment(
            idea_id=duplicate.id,
            author_id=reacting.id,
            body=written_by(reacting, DUPLICATE_REACTION),
            created_at=posted + timedelta(hours=6),
        )
    )
    db.session.flush()
    merging.merge_idea(duplicate, kept, shop.owner)
    duplicate.merged_at = posted + timedelta(days=1)


def demo_outcome_insights():
    """The launched rounds' outcomes name the insights they came from."""
    for title_en, insight_titles in OUTCOME_INSIGHTS.items():
        round_ = Round.query.filter_by(title_en=title_en).first()
        insights = Insight.query.filter(Insight.title_nl.in_(insight_titles)).all()
        if round_ is not None and insights:
            db.session.execute(
                outcome_insights.insert(),
                [{"round_id": round_.id, "insight_id": insight.id} for insight in insights],
            )


# Moderation in the shop round (issue 15): what panelists reported and what the panel manager
# (Sanne) did with it. Two reactions wait in the queue (a phone number, reported for personal
# data; a rude one, reported three times); an advert was hidden with a reason its author reads;
# in one reaction Sanne removed a staff member's name, which readers see as "[removed by the
# moderator]"; one report she dismissed. Texts are (nl, en) pairs, written in the writer's language.
MODERATED_REACTIONS = [
    {
        "idea": "Help moving over in the shop",
        "text": (
            "Ik heb dit vorige maand gehad. Bel me gerust op 06-41234567, dan vertel ik hoe "
            "het ging.",
            "I had this done last month. Feel free to call me on 06-41234567 and I'll tell you "
            "how it went.",
        ),
        "reports": [
            ("personal_data", ("Er staat een telefoonnummer in.", "There's a phone number in it.")),
            ("personal_data", None),
        ],
    },
    {
        "idea": "See how busy the shop is",
        "text": (
            "Wat een onzinidee. Wie dit bedenkt, snapt er echt helemaal niks van.",
            "What a silly idea. Whoever comes up with this really doesn't get it at all.",
        ),
        "reports": [
            ("offensive", None),
            ("offensive", ("Dit is gewoon onaardig.", "This is just unkind.")),
            (
                "other",
                (
                    "Zo praten we hier niet tegen elkaar.",
                    "We don't talk to each other like that here.",
                ),
            ),
        ],
    },
    {
        "idea": "Book a time in the shop",
        "text": (
            "Nieuwe telefoon nodig? Kijk op telefoonkoopjes.example voor de laagste prijs!",
            "Need a new phone? Visit phonebargains.example for the lowest price!",
        ),
        "reports": [("spam", None)],
        "hidden": (
            "Reclame voor een andere winkel hoort niet in het panel.",
            "Adverts for another shop don't belong in the panel.",
        ),
    },
    {
        "idea": "A repair desk in the shop",
        "text": (
            "In de winkel in de Kalverstraat hielp Jeroen de Wit me super met mijn scherm. "
            "Zo'n balie in elke winkel zou top zijn.",
            "In the Kalverstraat shop, Jeroen de Wit was great with my screen. A desk like that "
            "in every shop would be brilliant.",
        ),
        "reports": [("personal_data", ("Naam van een medewerker.", "A staff member's name."))],
        "redact": "Jeroen de Wit",
    },
    {
        "idea": "Borrow a phone from the shop",
        "text": (
            "Klinkt leuk, maar wie betaalt er als de telefoon kapotgaat?",
            "Sounds nice, but who pays if the phone breaks?",
        ),
        "reports": [("off_topic", None)],
        "dismissed": True,
    },
]


def demo_moderation(rng, rounds, members, now, manager):
    """Reports, a hidden reaction and a redaction in the round that is open for ideas (with
    its own random numbers, so the rest of the demo stays as it was)."""
    rng = random.Random("demo moderation")
    shop = next(r for r in rounds if r.title_en == "The shop of the future")
    spec = next(s for s in ROUNDS if s["title"][1] == shop.title_en)
    titles = {en[0]: {nl[0], en[0]} for nl, en, *_ in spec["ideas"]}
    ideas = {idea.title: idea for idea in Idea.query.filter_by(round_id=shop.id)}
    demo_ids = {
        member_by_email("panellid@klantenteam.example").id,
        member_by_email("member@klantenteam.example").id,
    }
    for item in MODERATED_REACTIONS:
        idea = next(ideas[t] for t in titles[item["idea"]] if t in ideas)
        people = [
            m
            for m in members_by(idea.created_at, members)
            if m.id != idea.author_id and m.id not in demo_ids
        ]
        writer, *reporters = rng.sample(people, 1 + len(item["reports"]))
        posted = between(rng, idea.created_at + timedelta(hours=3), now - timedelta(days=2))
        comment = Comment(
            idea_id=idea.id,
            author_id=writer.id,
            body=written_by(writer, item["text"]),
            created_at=posted,
        )
        db.session.add(comment)
        db.session.flush()
        reported = []
        for hours, (reporter, (reason, note)) in enumerate(
            zip(reporters, item["reports"], strict=True), 1
        ):
            report = ContentReport(
                round_id=shop.id,
                idea_id=idea.id,
                comment_id=comment.id,
                reporter_id=reporter.user_id,
                reason=reason,
                text=written_by(reporter, note) if note else None,
                created_at=posted + timedelta(hours=2 * hours),
            )
            db.session.add(report)
            reported.append(report)
        acted = posted + timedelta(hours=2 * len(reported) + 5)
        if item.get("hidden"):
            comment.hidden_at = acted
            comment.hidden_reason = written_by(writer, item["hidden"])
            outcome = "hidden"
            record_audit("comment.hide", target=comment, actor=manager)
        elif item.get("redact"):
            comment.body = comment.body.replace(item["redact"], REDACTED)
            outcome = "dismissed"
            record_audit("comment.redact", target=comment, actor=manager)
            record_audit("comment.dismiss_reports", target=comment, actor=manager, reports=1)
        elif item.get("dismissed"):
            outcome = "dismissed"
            record_audit("comment.dismiss_reports", target=comment, actor=manager, reports=1)
        else:
            continue  # waits in the queue
        for report in reported:
            report.closed_at, report.closed_as = acted, outcome
    db.session.flush()
