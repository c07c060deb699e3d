"""Demo rounds: eight co-creation rounds in every stage, with sessions, ideas and invitations."""
from datetime import timedelta

from .database import utcnow
from .extensions import db
from .membership.models import Member
from .rounds.models import (DEFAULT_ACTIONS, Comment, Idea, IdeaSupport, Invitation, Registration,
                            Round, RoundAction, Session, StageChange)

ROUNDS = [
    # stage, visibility, published, title nl/en, summary nl/en, question nl/en
    ("prototype", "all", True, "Verbruik in één oogopslag", "Usage at a glance",
     "We bouwen een nieuw startscherm in de app dat je verbruik meteen laat zien. Test het prototype met ons.",
     "We're building a new home screen in the app that shows your usage straight away. Try the prototype with us.",
     "Wat wil je als eerste zien als je de app opent?", "What do you want to see first when you open the app?"),
    ("concept", "all", True, "Een eerlijkere rekening", "A fairer bill",
     "Rekeningen zijn soms lastig te lezen. Samen maken we ze duidelijker.",
     "Bills are sometimes hard to read. Together we'll make them clearer.",
     "Wat snap je niet aan je rekening?", "What don't you understand about your bill?"),
    ("pilot", "invited", True, "Proef: 5G-internet thuis", "Trial: 5G internet at home",
     "Een kleine groep test thuis ons nieuwe 5G-modem. Alleen op uitnodiging.",
     "A small group tries our new 5G modem at home. By invitation only.",
     "Hoe goed werkt 5G-internet bij jou thuis?", "How well does 5G internet work at your home?"),
    ("idea", "all", True, "De winkel van de toekomst", "The shop of the future",
     "Hoe ziet onze winkel er over vijf jaar uit? We verzamelen jullie ideeën.",
     "What will our shop look like in five years? We're collecting your ideas.",
     "Waarvoor zou jij nog naar een winkel gaan?", "What would you still visit a shop for?"),
    ("launch", "all", True, "Klantenservice via chat", "Customer service by chat",
     "Samen met jullie hebben we de chat in de app ontworpen. Nu is hij live.",
     "We designed the chat in the app together with you. Now it's live.",
     "Wanneer kies je voor chat in plaats van bellen?", "When do you choose chat over calling?"),
    ("closed", "all", True, "Zorgeloos bellen in het buitenland", "Worry-free roaming",
     "Geen verrassingen meer na je vakantie.", "No more surprises after your holiday.",
     "Wat maakt je onzeker als je in het buitenland bent?", "What makes you unsure when you're abroad?"),
    ("idea", "all", False, "Gezinsabonnement", "Family plan",
     "Eén abonnement voor het hele gezin, met eigen tegoed per persoon.", "",
     "Hoe verdeel je een bundel eerlijk?", ""),
    ("concept", "all", True, "Storingsmeldingen", "Outage alerts",
     "Hoe willen jullie horen dat er een storing is, en wanneer die voorbij is?",
     "How do you want to hear about an outage, and when it's over?",
     "Via welk kanaal wil je een storing horen?", "Through which channel do you want to hear about an outage?"),
]
STAGE_NOTES = {
    "concept": ("Dank voor al jullie ideeën! We kozen de drie die het vaakst gesteund werden en werken ze uit tot een concept.",
                "Thank you for all your ideas! We picked the three with the most support and are turning them into a concept."),
    "prototype": ("Het concept sprak jullie aan, maar de tekst was te lang. Het prototype is korter en je kunt het nu zelf proberen.",
                  "You liked the concept, but the text was too long. The prototype is shorter, and you can try it yourself now."),
    "pilot": ("In de sessies werkte het prototype goed. Een kleine groep gaat het nu een maand echt gebruiken.",
              "The prototype worked well in the sessions. A small group will now use it for real for a month."),
    "launch": ("De pilot was een succes: 8 van de 10 deelnemers willen het houden. We zetten het live voor iedereen.",
               "The pilot was a success: 8 out of 10 participants want to keep it. We're launching it for everyone."),
    "closed": ("Deze ronde is klaar. Dank aan iedereen die meedacht!", "This round is done. Thanks to everyone who helped!"),
}
IDEAS = [
    ("Verbruik als cirkel", "Laat mijn bundel zien als een cirkel die leegloopt, net als een batterij."),
    ("Melding bij 80%", "Stuur me een melding als ik 80% van mijn data heb gebruikt."),
    ("Rekening in gewone taal", "Gebruik geen afkortingen op de rekening, maar gewone woorden."),
    ("Show roaming costs live", "Show what I've spent abroad today, live in the app."),
    ("Dark mode", "Please add a dark mode, my eyes will thank you."),
    ("Afspraak maken in de winkel", "Ik wil online een tijd kiezen, zodat ik niet hoef te wachten."),
    ("Storing op de kaart", "Laat op een kaart zien waar een storing is en hoe lang die nog duurt."),
    ("Chat ook 's nachts", "Een chatbot die 's nachts simpele vragen beantwoordt."),
    ("Gedeelde bundel tonen", "Laat zien wie in het gezin hoeveel gebruikt."),
    ("Simpel overstappen", "Make switching plans a two-tap thing in the app."),
]
COMMENTS = ["Goed idee, dit mis ik ook!", "Ja, graag!", "Dit zou mij veel tijd schelen.",
            "I agree, this would help a lot.", "Misschien ook als widget op het beginscherm?",
            "Liever een sms dan een pushbericht.", "Great idea."]


def load_demo_rounds(rng, staff, now=None):
    """staff: (owner nl, owner en, panel manager). Returns the rounds."""
    now = now or utcnow()
    owner_nl, owner_en, manager = staff
    members = Member.query.filter(Member.status == "active", Member.user_id.isnot(None)).order_by(Member.id).all()
    rounds = []
    flow = ["idea", "concept", "prototype", "pilot", "launch", "closed"]
    for index, (stage, visibility, published, t_nl, t_en, s_nl, s_en, q_nl, q_en) in enumerate(ROUNDS):
        started = now - timedelta(days=20 + 25 * flow.index(stage) + index * 3)
        round_ = Round(title_nl=t_nl, title_en=t_en, summary_nl=s_nl, summary_en=s_en,
                       question_nl=q_nl, question_en=q_en, visibility=visibility, stage=stage,
                       owner=owner_en if index in (3, 7) else owner_nl, created_at=started,
                       published_at=started if published else None)
        round_.action_rows = [RoundAction(stage=s.value, action=a.value)
                              for s, actions in DEFAULT_ACTIONS.items() for a in actions]
        db.session.add(round_)
        db.session.flush()
        if published:
            for step, stage_name in enumerate(flow[:flow.index(stage) + 1]):
                db.session.add(StageChange(
                    round_id=round_.id, from_stage=flow[step - 1] if step else None, to_stage=stage_name,
                    actor_id=round_.owner.id, created_at=started + timedelta(days=25 * step),
                    note_nl=STAGE_NOTES[stage_name][0] if step else "",
                    note_en=STAGE_NOTES[stage_name][1] if step else ""))
        rounds.append(round_)
    _demo_invitations(rng, rounds, members, now)
    _demo_sessions(rng, rounds, members, now)
    _demo_ideas(rng, rounds, members, now)
    _demo_outcomes(rounds, now)
    return rounds


def _demo_invitations(rng, rounds, members, now):
    pilot = rounds[2]
    for member in rng.sample(members, 40):
        status = rng.choices(["accepted", "declined", "invited"], weights=[6, 2, 2])[0]
        db.session.add(Invitation(round_id=pilot.id, member_id=member.id, status=status,
                                  created_at=now - timedelta(days=rng.randint(5, 40)),
                                  responded_at=None if status == "invited" else now - timedelta(days=3)))
    # The two demo panelists have an open invitation to look at.
    for member in members[:2]:
        if not Invitation.query.filter_by(round_id=rounds[0].id, member_id=member.id).first():
            db.session.add(Invitation(round_id=rounds[0].id, member_id=member.id, status="invited",
                                      created_at=now - timedelta(days=1)))
    for round_ in (rounds[1], rounds[3], rounds[7]):
        for member in rng.sample(members[2:], 25):
            status = rng.choices(["accepted", "declined", "invited"], weights=[5, 3, 2])[0]
            db.session.add(Invitation(round_id=round_.id, member_id=member.id, status=status,
                                      created_at=now - timedelta(days=rng.randint(2, 60)),
                                      responded_at=None if status == "invited" else now - timedelta(days=1)))
    db.session.flush()


SESSION_PLACES = [("Hoofdkantoor, zaal De Brug", "Wibautstraat 137", "Amsterdam"),
                  ("Winkel Hoog Catharijne", "Godebaldkwartier 45", "Utrecht"),
                  ("Experience Center", "Weena 505", "Rotterdam")]


def _demo_sessions(rng, rounds, members, now):
    plan = {0: 5, 1: 4, 2: 4, 3: 4, 4: 4, 5: 4, 7: 5}  # 30 sessions
    pilot_members = [inv.member_id for inv in Invitation.query.filter_by(round_id=rounds[2].id, status="accepted")]
    for index, count in plan.items():
        round_ = rounds[index]
        for number in range(count):
            upcoming = round_.stage not in ("launch", "closed") and number >= count - 2
            starts = (now + timedelta(days=3 + number * 6, hours=rng.randint(0, 5)) if upcoming
                      else now - timedelta(days=8 + number * 9))
            starts = starts.replace(minute=0, second=0, microsecond=0)
            online = number % 2 == 1
            venue, address, city = rng.choice(SESSION_PLACES)
            capacity = 2 if (index == 0 and number == count - 1) else rng.choice([8, 10, 12, 15, 20])
            session = Session(
                round_id=round_.id, kind="online" if online else "physical",
                title_nl=f"{'Online sessie' if online else 'Sessie'} {number + 1}: {round_.title_nl}",
                title_en=f"{'Online session' if online else 'Session'} {number + 1}: {round_.title_en or round_.title_nl}",
                venue=None if online else venue, address=None if online else address,
                city=None if online else city,
                meeting_link="https://meet.example.com/klantenteam-" + str(rng.randint(1000, 9999)) if online else None,
                starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=capacity,
                registration_deadline=starts - timedelta(days=1), seats_taken=0,
                notes=None if upcoming else "Deelnemers waren positief over de eenvoud; wel twijfels over de kleuren.")
            db.session.add(session)
            db.session.flush()
            pool = pilot_members if index == 2 else [m.id for m in members]
            wanted = min(len(pool), capacity + (2 if capacity == 2 else rng.randint(-3, 0)))
            for order, member_id in enumerate(rng.sample(pool, max(wanted, 0))):
                confirmed = order < capacity
                registration = Registration(
                    session_id=session.id, member_id=member_id,
                    status="confirmed" if confirmed else "waitlisted",
                    created_at=starts - timedelta(days=10), confirmed_at=starts - timedelta(days=10) if confirmed else None,
                    waitlisted_at=None if confirmed else starts - timedelta(days=9, minutes=-order))
                if confirmed and not upcoming:
                    registration.attendance = "attended" if rng.random() < 0.85 else "no_show"
                    registration.attendance_marked_at = starts + timedelta(hours=2)
                db.session.add(registration)
                session.seats_taken += 1 if confirmed else 0
    db.session.flush()


def _demo_ideas(rng, rounds, members, now):
    statuses = ["new", "considering", "selected", "not_pursued", "shipped"]
    for index in (0, 1, 3, 4, 5, 7):
        round_ = rounds[index]
        for title, body in rng.sample(IDEAS, 6):
            author = rng.choice(members)
            status = "shipped" if round_.stage in ("launch", "closed") and rng.random() < 0.5 else rng.choice(statuses[:4])
            idea = Idea(round_id=round_.id, author_id=author.id, title=title, body=body, status=status,
                        created_at=round_.created_at + timedelta(days=rng.randint(1, 15)))
            if status != "new":
                idea.answer = ("Mooi idee! We nemen het mee in het ontwerp." if status in ("selected", "shipped", "considering")
                               else "Dank je wel. We kiezen hier nu niet voor, omdat het technisch nog niet kan.")
                idea.answered_at = idea.created_at + timedelta(days=5)
            db.session.add(idea)
            db.session.flush()
            supporters = rng.sample(members, rng.randint(0, 18))
            for supporter in supporters:
                db.session.add(IdeaSupport(idea_id=idea.id, member_id=supporter.id))
            idea.support_count = len(supporters)
            for _ in range(rng.randint(0, 3)):
                db.session.add(Comment(idea_id=idea.id, author_id=rng.choice(members).id,
                                       body=rng.choice(COMMENTS),
                                       created_at=idea.created_at + timedelta(days=rng.randint(0, 5))))
    db.session.flush()


def _demo_outcomes(rounds, now):
    chat, roaming = rounds[4], rounds[5]
    chat.outcome_nl = "De chat in de app is live. Jullie vroegen om een chat die ook 's avonds werkt en je gesprek onthoudt: dat zit er nu in."
    chat.outcome_en = "The chat in the app is live. You asked for a chat that also works in the evening and remembers your conversation: it does now."
    roaming.outcome_nl = "Je krijgt nu bij aankomst in het buitenland een sms met wat bellen en internetten daar kost, en een melding bij 80% van je bundel."
    roaming.outcome_en = "When you arrive abroad you now get a text with what calls and data cost there, and an alert at 80% of your bundle."
    for round_ in (chat, roaming):
        round_.outcome_written_at = now - timedelta(days=10)
        round_.outcome_public_at = now - timedelta(days=9)
        for idea in Idea.query.filter_by(round_id=round_.id, status="shipped"):
            idea.in_outcome = True
