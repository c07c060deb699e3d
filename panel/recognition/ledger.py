"""The "surprise & delight" ledger (helper E fills this in)."""


def dashboard_sections(member):
    """Answers signals.dashboard_sections: [(template name, context)]."""
    return []


def erase_member(member):
    """Answers signals.member_leaving: the amounts stay, the person goes."""


def participation_lines(member):
    """Answers signals.member_participation: [(when, text)]."""
    return []


def export_records(member):
    """Answers signals.member_export: (section title, records)."""
    return "Thank-yous", []
