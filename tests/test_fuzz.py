"""Malformed input never produces a server error: the public forms, fuzzed with Hypothesis."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

FORMS = [
    "/en/login",
    "/nl/login",
    "/en/password/forgot",
    "/nl/password/reset/not-a-token",
    "/en/welcome/x.y.z",
    "/language",
    "/en/join",
    "/nl/join",
    "/en/join/confirm/abc",
]
FIELDS = [
    "email",
    "password",
    "remember",
    "next",
    "lang",
    "confirm",
    "csrf_token",
    "name",
    "locale",
    "birth_year",
    "postcode",
    "customer_type",
    "platform",
    "app_usage",
    "interests",
    "attends_physical",
    "physical_region",
    "consent_participation",
    "source",
]

text = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "nl", "en", "//evil", "@", "a@b", "\x00", "y" * 5000]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(FORMS), data=st.dictionaries(st.sampled_from(FIELDS), text, max_size=6))
def test_public_forms_never_fail(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code < 500, (path, data)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "customer_type",
                "age_band",
                "region",
                "source",
                "inactive",
                "sort",
                "page",
            ]
        ),
        text,
        max_size=5,
    )
)
@example(query={"q": "\x00"})  # PostgreSQL refuses NUL in text: it must never reach it
def test_member_filters_never_fail(app, db, make_user, query):
    from panel.security import Role

    client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    client.post("/en/login", data={"email": manager.email, "password": "a calm walk by the sea"})
    response = client.get("/en/manage/members", query_string=query)
    assert response.status_code < 500, query


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s))
def test_odd_paths_never_fail(client, segment):
    response = client.get("/nl/" + segment)
    assert response.status_code < 500
