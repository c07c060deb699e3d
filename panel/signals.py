"""Cross-domain reactions (HOUSE_STYLE.md, point 14).

A lower domain sends a signal; the higher domains that care connect to it in their own package
(each domain's ``init_app``), when the app is created. No domain keeps a list that others fill
in as a side effect of being imported, so what happens never depends on which modules happen
to be loaded.

Signals whose receivers answer something are read with ``answers(signal, sender)``: the
receivers' return values, in the order the domains were set up (lowest layer first): blinker
keeps receivers in a plain set unless told otherwise, so our signals use an ordered one.
"""

from blinker import NamedSignal
from ordered_set import OrderedSet


class _Signal(NamedSignal):
    set_class = OrderedSet


class _Namespace(dict):
    def signal(self, name, doc=None):
        return self.setdefault(name, _Signal(name, doc))


_signals = _Namespace()

member_leaving = _signals.signal(
    "member-leaving",
    doc="""
Sent with the Member whose identity is being erased (they left, were declined, or purged).
Each receiver erases or unlinks the member's free text in its own tables; counts stay.""",
)

member_export = _signals.signal(
    "member-export",
    doc="""
Sent with the Member who downloads their data, while the export speaks the member's language.
Each receiver returns (section title, records): the member's own records in its domain, labelled
for a person to read, names next to numbers, as JSON-ready data.""",
)

member_participation = _signals.signal(
    "member-participation",
    doc="""
Sent with the Member whose history a panel manager reads. Each receiver returns a list of
(when, text) lines: what the member took part in.""",
)

dashboard_attention = _signals.signal(
    "dashboard-attention",
    doc="""
Sent with the Member whose dashboard is shown. Each receiver returns a list of AttentionItem
(membership.dashboard): what needs the member's attention in its domain.""",
)

panel_health_figures = _signals.signal(
    "panel-health-figures",
    doc="""
Sent when the panel health page is shown, with the kept figures (membership.health.KeptFigures)
as sender. Each receiver returns a list of (figure, label).""",
)

panel_health_counts = _signals.signal(
    "panel-health-counts",
    doc="""
Sent with now= when the panel health snapshot is counted (membership.health.refresh). Each
receiver returns (name, JSON-ready counts): kept in the snapshot, where its panel_health_figures
receiver finds them again as KeptFigures.parts[name].""",
)

panel_health_sections = _signals.signal(
    "panel-health-sections",
    doc="""
Sent when the panel health page is shown, with the kept figures (membership.health.KeptFigures)
as sender. Each receiver returns (template name, context).""",
)

public_outcomes = _signals.signal(
    "public-outcomes",
    doc="""
Sent when the public home page is shown. Each receiver returns a list of published outcomes
(objects with .title and .outcome).""",
)

notification_kinds = _signals.signal(
    "notification-kinds",
    doc="""
Sent once when the app is created. Each receiver returns the notifications.Kind list of the
domain that owns those notifications.""",
)

outcome_insights = _signals.signal(
    "outcome-insights",
    doc="""
Sent with a list of round ids whose outcome is shown (the owner's outcome form, the round page,
the public home page). Each receiver returns {round id: [insights]}: what else each outcome came
from besides its ideas, as objects with a bilingual .title, in one query for all the rounds.""",
)

release_published = _signals.signal(
    "release-published",
    doc="""
Sent with the Release just published (inside the publishing request, before its commit), after
its audience was invited when its window is open. The shipped domain tells the members who asked
for its changes.""",
)

release_results_sections = _signals.signal(
    "release-results-sections",
    doc="""
Sent with the Release whose results page is shown. Each receiver returns a list of
(template name, context): sections the page shows after the average rating per change.""",
)

release_form_marks = _signals.signal(
    "release-form-marks",
    doc="""
Sent with the Release whose feedback form a member opens, and member=. Each receiver returns
{change id: text}: a short mark shown beside that change ("You asked for this").""",
)

contribution_marks = _signals.signal(
    "contribution-marks",
    doc="""
Sent with the Member whose "My contributions" page is shown, and keys= [(evidence kind, source
id)]: the contributions listed. Each receiver returns {(kind, source id): [text]}: marks shown
with that contribution ("You asked for this: it is in version 11.12").""",
)

dashboard_sections = _signals.signal(
    "dashboard-sections",
    doc="""
Sent with the Member whose dashboard is shown. Each receiver returns a list of
(template name, context): sections shown below what needs the member's attention.""",
)


insight_sections = _signals.signal(
    "insight-sections",
    doc="""
Sent with the Insight whose staff page is shown. Each receiver returns a list of
(template name, context): sections shown beside its streams (the release changes that answer
it, and linking it to one).""",
)

owner_idea_sections = _signals.signal(
    "owner-idea-sections",
    doc="""
Sent with the Idea whose owner's page is shown. Each receiver returns a list of
(template name, context): sections shown with its answer (the release changes that ship it, and
linking it to one).""",
)

insight_merged = _signals.signal(
    "insight-merged",
    doc="""
Sent with the duplicate insight's id and kept_id when an insight is merged into another, in the
merge's transaction, after its evidence and routes moved: the domains above move what they link
to the duplicate (the release changes that answer it) to the kept insight.""",
)

insight_shipping_releases = _signals.signal(
    "insight-shipping-releases",
    doc="""
Sent with an insight id. Each receiver returns a list of published Releases, newest first, with
a change that answers the insight: a stream's route can be closed as "shipped in" one of them.""",
)

contribution_sections = _signals.signal(
    "contribution-sections",
    doc="""
Sent with the Member whose "My contributions" page is shown (its first page). Each receiver
returns a list of (template name, context): sections shown above the contributions (what the
member asked for that shipped, also for the ideas they only supported).""",
)


def answers(signal, sender=None, **kwargs):
    """What every receiver of `signal` returned, in the order they were connected."""
    return [result for _receiver, result in signal.send(sender, **kwargs)]
