"""Phone numbers as one string of digits, so a customer is found however their number was
written: "+86 138-0013-8000", "008613800138000", "13800138000" and "138 0013 8000" are all
"13800138000". Pure.

The digits kept are the national significant number: without China's country code 86 and
without the trunk prefix 0 of a landline ("021 6888 1234" and "+86 21 6888 1234" are both
"2168881234"). A number of another country, written with its code, keeps the code.
"""

import re
import unicodedata

CHINA = "86"
INTERNATIONAL = "00"  # dialled before a country code instead of "+"
# a Chinese mobile number is 11 digits from 1; written with 86 and no "+", it is 13
MOBILE_WITH_CODE = re.compile(r"861[0-9]{10}")
# how people write a number: digits (full-width ones too), spaces, dashes, dots, brackets, a leading +
WRITTEN = re.compile(r"\+?[\d\s\-.()]*\d[\d\s\-.()]*")


def looks_like_phone(text: str) -> bool:
    """Whether `text` could be a phone number as people write one (and not, say, a name)."""
    return WRITTEN.fullmatch(text.strip()) is not None


def normalize(phone: str) -> str:
    """The number's national digits; "" when it has none."""
    # full-width digits (１３８…) come from Chinese input methods
    digits = "".join(str(unicodedata.decimal(c)) for c in phone if c.isdecimal())
    if phone.lstrip().startswith("+"):
        digits = INTERNATIONAL + digits
    if digits.startswith(INTERNATIONAL):
        digits = digits.removeprefix(INTERNATIONAL)
        if not digits.startswith(CHINA):
            return digits  # another country's number keeps its code
        digits = digits.removeprefix(CHINA)
    elif MOBILE_WITH_CODE.fullmatch(digits):
        digits = digits.removeprefix(CHINA)
    return digits.removeprefix("0")
