"""The first privacy statement, written when an installation has none yet.

Administrators publish new versions from the admin pages; members then accept them at their next
visit. Plain text with blank lines between paragraphs.
"""

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
Aanmeldingen die niet binnen 30 dagen bevestigd zijn, verwijderen we.""",
    "body_en": """What we do with your data

The klantenteam is our company's customer panel. When you take part, we keep your name, e-mail address, language and your answers to the questions when you joined (birth year, postcode, type of customer, phone, app use and interests). We use them only to invite you to sessions and questions that suit you, and to keep the panel balanced.

Who sees what
Colleagues in the departments that receive your ideas and feedback do not see your name: they see a number (for example "Panelist #482113") and your segment. Only the panel team sees your contact details, and only when they need them to reach you.

Consent
You consent to taking part in the klantenteam. Whether sessions may be recorded is a separate choice. You can withdraw your consent at any time.

Your rights
You can always see, change and download your data on your own page. You can also leave the klantenteam in one step: we then erase your name, e-mail address and what you wrote yourself. Numbers such as average scores remain, but can no longer be traced back to you.

How long we keep data
Applications that are not confirmed within 30 days are removed.""",
    "changes_nl": "Eerste versie.",
    "changes_en": "First version.",
}
