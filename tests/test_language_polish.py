"""Dutch and English polish: the catalog's tooling, plurals, dates, form messages, the audit log."""

from babel.messages.pofile import read_po

from panel import cli


def test_extraction_keeps_locations_and_translator_notes(app, tmp_path, monkeypatch):
    pot = tmp_path / "messages.pot"
    monkeypatch.setattr(cli, "POT_FILE", str(pot))
    result = app.test_cli_runner().invoke(args=["translate", "extract"])
    assert result.exit_code == 0, result.output
    with open(pot, "rb") as handle:
        catalog = read_po(handle)
    marker = catalog.get("(in %(language)s)")
    assert marker is not None
    assert any(path.endswith("panel/i18n.py") for path, _line in marker.locations)
    assert any("other language" in comment for comment in marker.auto_comments)
