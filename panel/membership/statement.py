"""The first privacy statement, written when an installation has none yet.

Administrators publish new versions from the admin pages; members then accept them at their next
visit. Plain text with blank lines between paragraphs. The operator, its contact, the data
controller, its privacy contact and the supervisor come from the settings (PANEL_OPERATOR_…).

Every page of a logged-in member checks the member accepted the newest version: that version
comes with the login session's query (fold_into_login_query, latest_statement_version).
"""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import LoginSession, User, fold_into_login, login_value
from ..extensions import db
from .models import PrivacyStatement


def newest_version_sql(user_id=None):
    """SQL for the newest statement's version (0 when there is none)."""
    return select(func.coalesce(func.max(PrivacyStatement.version), 0)).scalar_subquery()


def _with_member():
    return joinedload(LoginSession.user).joinedload(User.member)


def fold_into_login_query():
    """The member (for the consent check and the menu) and the newest statement's version are
    loaded with every login session, in its one query."""
    fold_into_login("member", option=_with_member)
    fold_into_login("statement_version", value=newest_version_sql)


def latest_statement_version():
    """The newest statement's version, as loaded with this request's login session if it was."""
    folded = login_value("statement_version")
    if folded is not None:
        return folded
    return db.session.scalar(select(newest_version_sql()))


DEFAULT_STATEMENT = {
    "body_nl": """Wat we met je gegevens doen

Het klantenteam is het klantpanel van ons bedrijf. Als je meedoet, bewaren we je naam, e-mailadres, taal en je antwoorden op de vragen bij het aanmelden (geboortejaar, postcode, soort klant, telefoon, app-gebruik en interesses). We gebruiken ze alleen om je uit te nodigen voor sessies en vragen die bij je passen, en om het panel in balans te houden.

Wie ziet wat
Medewerkers van de afdelingen die jouw ideeën en feedback krijgen, zien je niet bij naam: zij zien een nummer (bijvoorbeeld "Panellid #482113") en je segment. Alleen het panelteam ziet je contactgegevens, en alleen als dat nodig is om je te bereiken.

Toestemming
Je geeft toestemming voor het meedoen aan het klantenteam. Of sessies opgenomen mogen worden, kies je apart. Je kunt je toestemming altijd intrekken.

Je rechten
Je kunt je gegevens altijd inzien, aanpassen en downloaden op je eigen pagina. Je kunt ook in één stap uit het klantenteam stappen: dan wissen we je naam, e-mailadres en wat je zelf hebt geschreven. Getallen zoals gemiddelde scores blijven bestaan, maar zijn niet meer naar jou te herleiden.

Bewaartermijnen
Aanmeldingen die niet binnen 30 dagen bevestigd zijn, verwijderen we.

Wie is verantwoordelijk
{organisation} organiseert het klantenteam en is verantwoordelijk voor je gegevens (verwerkingsverantwoordelijke: {controller}). Vragen over het klantenteam? Mail naar {contact}. Vragen over je privacy of je gegevens? Mail naar {privacy_contact}.

Een klacht indienen
Ben je niet tevreden over hoe we met je gegevens omgaan? Laat het ons eerst weten via {privacy_contact}, dan zoeken we samen een oplossing. Je hebt ook altijd het recht om een klacht in te dienen bij de Autoriteit Persoonsgegevens, de Nederlandse toezichthouder op privacy: {supervisor}.""",
    "body_en": """What we do with your data

Klantenteam is our company's customer panel. When you take part, we keep your name, e-mail address, language and your answers to the questions when you joined (birth year, postcode, type of customer, phone, app use and interests). We use them only to invite you to sessions and questions that suit you, and to keep the panel balanced.

Who sees what
Colleagues in the departments that receive your ideas and feedback do not see your name: they see a number (for example "Panelist #482113") and your segment. Only the panel team sees your contact details, and only when they need them to reach you.

Consent
You consent to taking part in the panel. Whether sessions may be recorded is a separate choice. You can withdraw your consent at any time.

Your rights
You can always see, change and download your data on your own page. You can also leave the panel in one step: we then erase your name, e-mail address and what you wrote yourself. Numbers such as average scores remain, but can no longer be traced back to you.

How long we keep data
Applications that are not confirmed within 30 days are removed.

Who is responsible
{organisation} runs Klantenteam and is responsible for your data (controller: {controller}). Questions about the panel? E-mail {contact}. Questions about your privacy or your data? E-mail {privacy_contact}.

Making a complaint
Not happy with how we handle your data? Let us know first at {privacy_contact} and we'll look for a solution together. You always have the right to complain to the Autoriteit Persoonsgegevens, the Dutch data protection authority: {supervisor}.""",
    "changes_nl": "Eerste versie.",
    "changes_en": "First version.",
}


def default_statement(config):
    """The first statement's fields, naming this installation's operator and controller."""
    names = {
        "organisation": config["OPERATOR_ORGANISATION"],
        "controller": config["DATA_CONTROLLER"],
        "contact": config["OPERATOR_CONTACT"],
        "privacy_contact": config["PRIVACY_CONTACT"],
        "supervisor": config["SUPERVISOR_URL"],
    }
    return {
        **DEFAULT_STATEMENT,
        "body_nl": DEFAULT_STATEMENT["body_nl"].format(**names),
        "body_en": DEFAULT_STATEMENT["body_en"].format(**names),
    }
