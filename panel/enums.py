"""Enumerations whose members carry a translatable title (Stage.IDEA.title → "Idee" / "Idea")."""

import enum


class TitledEnum(enum.Enum):
    """Subclasses define TITLES = {member_value: _l("…")} after the class body."""

    @property
    def title(self):
        return type(self).TITLES[self.value]

    @classmethod
    def choices(cls):
        return [(member.value, member.title) for member in cls]

    @classmethod
    def values(cls):
        return [member.value for member in cls]

    @classmethod
    def title_of(cls, value):
        """The title for a stored value, or the value itself when it is not (or no longer) known."""
        try:
            return cls(value).title
        except ValueError:
            return value or ""
