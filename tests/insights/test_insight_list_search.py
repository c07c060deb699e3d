"""The insights' full-text index (panel/insights/insight_search.py): every word, prefixes, both
languages and the description, accents ignored; similar insights ranked in the database."""

import pytest

from panel.extensions import db
from panel.insights import insight_search
from panel.insights.models import Insight
from panel.security import Role


@pytest.fixture
def insights(db, make_user):
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    rows = {
        "bill": Insight(
            title_nl="Rekening is onduidelijk",
            title_en="The bill is unclear",
            description="Kosten voor roaming in het café",
            created_by_id=owner.id,
        ),
        "coverage": Insight(
            title_nl="Slecht bereik in de trein",
            title_en="Poor coverage on the train",
            description="",
            created_by_id=owner.id,
        ),
        "app": Insight(
            title_nl="App crasht bij inloggen",
            title_en="",
            description="Na de update van de app",
            created_by_id=owner.id,
        ),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


def found(q):
    return set(db.session.scalars(insight_search.matching_ids(q)))


def test_every_word_prefixes_both_languages_and_description(insights):
    assert found("rekening") == {insights["bill"].id}
    assert found("bill uncl") == {insights["bill"].id}  # English title, prefix
    assert found("cafe") == {insights["bill"].id}  # accents ignored, description
    assert found("trein coverage") == {insights["coverage"].id}  # one word in each language
    assert found("rekening trein") == set()
    assert found("") == {insight.id for insight in insights.values()}
    assert found('"); DROP TABLE insights; --') == set()  # no search syntax reaches the index


def test_a_changed_title_is_found_by_its_new_words(insights):
    insight = insights["app"]
    insight.title_en = "Login crashes the app"
    insight_search.reindex_insight(insight)
    db.session.commit()
    assert found("login") == {insight.id}


def test_similar_insights_share_the_most_significant_words(insights):
    similar = insight_search.similar_to("De rekening van deze maand is onduidelijk, te hoge kosten")
    assert similar[0] == insights["bill"]
    assert insights["coverage"] not in similar
    assert insight_search.similar_to("de het een") == []  # only stop words
    insights["bill"].merged_into_id = insights["app"].id
    db.session.commit()
    assert insights["bill"] not in insight_search.similar_to("rekening onduidelijk")
    assert insight_search.similar_to("trein bereik", exclude_ids=[insights["coverage"].id]) == []


def test_another_form_of_a_word_finds_the_insight_like_triage(insights, db):
    """Dutch and English stems (triage's): 'rekeningen' finds 'Rekening …', 'bills' the bill,
    also when the words change later (the index is written from Python as the insight is saved)."""
    assert found("rekeningen") == {insights["bill"].id}
    assert found("bills") == {insights["bill"].id}
    assert found("treinen") == {insights["coverage"].id}
    insights["app"].description = "Facturen komen te laat"
    db.session.commit()
    assert found("factuur") == {insights["app"].id}
    assert insight_search.similar_to("Mijn rekeningen zijn onduidelijk")[0] == insights["bill"]
    insight_search.rebuild_index()
    db.session.commit()
    assert found("rekeningen") == {insights["bill"].id}
