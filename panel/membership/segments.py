"""The vocabulary that describes a member: customer type, age band, region, platform, interests."""

import re

from ..database import amsterdam_today
from ..enums import TitledEnum
from ..i18n import lazy_gettext as _l

MINIMUM_AGE = 16


class CustomerType(TitledEnum):
    PREPAID = "prepaid"
    SUBSCRIPTION = "subscription"
    BUSINESS = "business"
    NONE = "none"


CustomerType.TITLES = {
    "prepaid": _l("Prepaid"),
    "subscription": _l("Subscription"),
    "business": _l("Business customer"),
    "none": _l("Not a customer"),
}


class AgeBand(TitledEnum):
    A16_24 = "16-24"
    A25_34 = "25-34"
    A35_44 = "35-44"
    A45_54 = "45-54"
    A55_64 = "55-64"
    A65_PLUS = "65+"

    @property
    def ages(self):
        """(youngest, oldest) age in this band; oldest None for the open band."""
        low, _, high = self.value.partition("-")
        return int(low.rstrip("+")), (int(high) if high else None)

    def birth_years(self, today=None):
        """(first, last) birth year in this band this year; first None for the open band."""
        year = (today or amsterdam_today()).year
        youngest, oldest = self.ages
        return (year - oldest if oldest is not None else None), year - youngest

    @classmethod
    def for_birth_year(cls, birth_year, today=None):
        if birth_year is None:
            return None
        age = (today or amsterdam_today()).year - birth_year
        for band in cls:
            youngest, oldest = band.ages
            if age >= youngest and (oldest is None or age <= oldest):
                return band
        return None


AgeBand.TITLES = {band.value: band.value.replace("-", "–") for band in AgeBand}


class Region(TitledEnum):
    GRONINGEN = "groningen"
    FRIESLAND = "friesland"
    DRENTHE = "drenthe"
    OVERIJSSEL = "overijssel"
    FLEVOLAND = "flevoland"
    GELDERLAND = "gelderland"
    UTRECHT = "utrecht"
    NOORD_HOLLAND = "noord-holland"
    ZUID_HOLLAND = "zuid-holland"
    ZEELAND = "zeeland"
    NOORD_BRABANT = "noord-brabant"
    LIMBURG = "limburg"


# Province names are the same in both languages, except Friesland's official Frisian name.
Region.TITLES = {
    "groningen": "Groningen",
    "friesland": "Friesland",
    "drenthe": "Drenthe",
    "overijssel": "Overijssel",
    "flevoland": "Flevoland",
    "gelderland": "Gelderland",
    "utrecht": "Utrecht",
    "noord-holland": "Noord-Holland",
    "zuid-holland": "Zuid-Holland",
    "zeeland": "Zeeland",
    "noord-brabant": "Noord-Brabant",
    "limburg": "Limburg",
}

# Dutch postcode ranges (first four digits) by province. Borders of postcode areas do not follow
# province borders exactly; this is the usual approximation, good enough for panel quotas.
POSTCODE_RANGES = [
    (1000, 1299, Region.NOORD_HOLLAND),
    (1300, 1379, Region.FLEVOLAND),
    (1380, 2159, Region.NOORD_HOLLAND),
    (2160, 3399, Region.ZUID_HOLLAND),
    (3400, 3999, Region.UTRECHT),
    (4000, 4199, Region.GELDERLAND),
    (4200, 4299, Region.ZUID_HOLLAND),
    (4300, 4599, Region.ZEELAND),
    (4600, 5299, Region.NOORD_BRABANT),
    (5300, 5335, Region.GELDERLAND),
    (5336, 5799, Region.NOORD_BRABANT),
    (5800, 6499, Region.LIMBURG),
    (6500, 7399, Region.GELDERLAND),
    (7400, 7799, Region.OVERIJSSEL),
    (7800, 7999, Region.DRENTHE),
    (8000, 8199, Region.OVERIJSSEL),
    (8200, 8259, Region.FLEVOLAND),
    (8260, 8299, Region.OVERIJSSEL),
    (8300, 8399, Region.FLEVOLAND),
    (8400, 9299, Region.FRIESLAND),
    (9300, 9499, Region.DRENTHE),
    (9500, 9999, Region.GRONINGEN),
]


def region_for_postcode(postcode):
    """The province for a Dutch postcode ('1234' or '1234 AB'), or None when it is not one."""
    digits = (postcode or "").strip()[:4]
    if not re.fullmatch(r"[1-9][0-9]{3}", digits):
        return None
    number = int(digits)
    for low, high, region in POSTCODE_RANGES:
        if low <= number <= high:
            return region
    return None


class Platform(TitledEnum):
    IOS = "ios"
    ANDROID = "android"
    OTHER = "other"


Platform.TITLES = {"ios": _l("iPhone (iOS)"), "android": _l("Android"), "other": _l("Other")}


class AppUsage(TitledEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    RARELY = "rarely"
    NEVER = "never"


AppUsage.TITLES = {
    "daily": _l("Every day"),
    "weekly": _l("Every week"),
    "monthly": _l("Every month"),
    "rarely": _l("Now and then"),
    "never": _l("Never"),
}


class Interest(TitledEnum):
    NETWORK = "network"
    APP = "app"
    BILLING = "billing"
    SERVICE = "service"
    TV_INTERNET = "tv_internet"
    NEW_PRODUCTS = "new_products"


Interest.TITLES = {
    "network": _l("Network and coverage"),
    "app": _l("The app"),
    "billing": _l("Billing"),
    "service": _l("Customer service"),
    "tv_internet": _l("TV and internet at home"),
    "new_products": _l("New products"),
}


class YearsAsCustomer(TitledEnum):
    UNDER_1 = "0-1"
    Y1_3 = "1-3"
    Y3_5 = "3-5"
    OVER_5 = "5+"


YearsAsCustomer.TITLES = {
    "0-1": _l("Less than a year"),
    "1-3": _l("1 to 3 years"),
    "3-5": _l("3 to 5 years"),
    "5+": _l("More than 5 years"),
}
