"""The one money module: currencies, exact decimal text in and out, and rounding.

Money is a whole number of minor units (cents for USD, yen for JPY); rates and attainment are
``fractions.Fraction``. Nothing here ever builds a float, so a plan's ``0.1`` stays one tenth.
Every rounding in the product goes through ``round_fraction`` with the plan's mode.
"""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from rules_dsl.icm_error import IcmError

# ISO 4217 active codes and their minor units. Codes not listed have two minor digits.
_MINOR_DIGITS_EXCEPTIONS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
ISO_4217_CODES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
""".split())

_DECIMAL_TEXT = re.compile(r"^([+-]?)([0-9](?:_?[0-9])*)(?:\.([0-9](?:_?[0-9])*))?$")


class MoneyError(IcmError, ValueError):
    """Text that is not an exact amount of a currency."""


class AmountTooLargeError(IcmError, OverflowError):
    """An amount, total or change that 64-bit minor units cannot hold: refused where it is
    detected, never wrapped. An ``OverflowError`` too, for the evaluators that catch one."""

    def for_user(self) -> str:
        return (f"{self}: an amount, quota or rate in the ledger or a plan is far too large; "
                "check the figures of this period")


# Below this, a sum or product of two int64 operands cannot overflow; above it the engine
# switches to exact Python integers.
SAFE_INT64 = 2 ** 62


def may_wrap(values: np.ndarray) -> bool:
    """Whether some sum of these int64 values could leave int64: the largest magnitude
    times the count, in exact Python integers. False for any realistic ledger, so sums
    stay in numpy; True sends a caller to exact integers."""
    if len(values) == 0:
        return False
    largest = max(int(values.max()), -int(values.min()))
    return largest * len(values) >= 2 ** 63


def fits_int64(value: int) -> bool:
    """Whether an amount in minor units fits the ledger's 64-bit money columns."""
    return -(2 ** 63) <= value < 2 ** 63


def as_int64(values, what: str = "a total of amounts") -> np.ndarray:
    """Exact integers (int64, or Python integers where int64 might not hold them) as an int64
    column, refusing any that a money column cannot hold."""
    values = np.asarray(values)
    if values.dtype == object and len(values) and not (fits_int64(max(values))
                                                       and fits_int64(min(values))):
        raise AmountTooLargeError(f"{what} does not fit in 64-bit minor units")
    return values.astype(np.int64)


def difference(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    """after - before of int64 columns, refusing a result that wraps."""
    result = after - before
    if (((after ^ before) & (after ^ result)) < 0).any():
        raise AmountTooLargeError("a change of an amount does not fit in 64-bit minor units")
    return result


def is_currency(code: str) -> bool:
    return code in ISO_4217_CODES


def minor_digits(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for USD, 0 for JPY)."""
    return _MINOR_DIGITS_EXCEPTIONS.get(currency, 2)


def parse_decimal(text: str) -> Fraction:
    """Exact value of decimal text such as ``-1_250.50``; never goes through a float."""
    match = _DECIMAL_TEXT.match(text.strip())
    if not match:
        raise MoneyError(f"{text!r} is not a decimal number")
    sign, whole, fraction = match.groups()
    digits = (whole + (fraction or "")).replace("_", "")
    places = len((fraction or "").replace("_", ""))
    value = Fraction(int(digits), 10 ** places)
    return -value if sign == "-" else value


def decimal_places(text: str) -> int:
    """How many digits stand after the decimal point in ``text``."""
    _, _, fraction = text.strip().partition(".")
    return len(fraction.replace("_", ""))


def to_minor_units(amount: Fraction, currency: str) -> int:
    """Whole minor units of an exact amount; refuses one that needs rounding."""
    scaled = amount * 10 ** minor_digits(currency)
    if scaled.denominator != 1:
        raise MoneyError(
            f"{decimal_text(amount)} {currency} has more than the "
            f"{minor_digits(currency)} decimal places that {currency} has"
        )
    return scaled.numerator


def round_fraction(value: Fraction, mode: str) -> int:
    """Round an exact value to a whole number with the plan's mode (half_up is away from zero)."""
    value = Fraction(value)
    floor, remainder = divmod(value.numerator, value.denominator)
    twice = 2 * remainder  # against the denominator: below, above or exactly a half
    if twice < value.denominator:
        return floor
    if twice > value.denominator:
        return floor + 1
    if mode == "half_even":
        return floor if floor % 2 == 0 else floor + 1
    if mode == "half_up":
        return floor + 1 if value > 0 else floor
    raise ValueError(f"unknown rounding mode {mode!r}")


def decimal_text(value: Fraction) -> str:
    """Exact decimal text of a value whose denominator divides a power of ten."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    places = max(twos, fives)
    scaled = value.numerator * 10 ** places // value.denominator
    if places == 0:
        return f"{sign}{scaled}"
    whole, fraction = divmod(scaled, 10 ** places)
    return f"{sign}{whole}.{fraction:0{places}d}"


def fixed_point_text(scaled: int, digits: int) -> str:
    """A whole number of 10**-digits units as decimal text: (123456, 2) -> '1234.56'."""
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10 ** digits)
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"


def format_minor_units(units: int, currency: str) -> str:
    """Minor units as decimal text with the currency's digits: 123456 USD -> '1234.56'."""
    return fixed_point_text(units, minor_digits(currency))


def rounded_text(value: Fraction, places: int) -> str:
    """An exact ratio rounded half even to ``places`` decimals, every one of them written:
    (5/4, 4) -> '1.2500'. For attainment and other ratios shown to a person or in JSON."""
    return fixed_point_text(round_fraction(value * 10 ** places, "half_even"), places)


def text_to_minor_units(text: str | None, currency: str) -> int:
    """A money string of a statement or CSV back to minor units ('' and None are 0)."""
    return to_minor_units(parse_decimal(text), currency) if text else 0


def group_thousands(text: str) -> str:
    """Decimal text as a person reads it: '-1234567.89' -> '-1,234,567.89'."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def format_grouped(units: int, currency: str) -> str:
    """Minor units as a person reads them, thousands grouped: 12345678 USD -> '123,456.78'."""
    return group_thousands(format_minor_units(units, currency))


def divide_rounded(numerator, denominator, mode: str):
    """Exact integer division of arrays (int64 or Python-int objects), rounded with the plan's
    mode: the vectorised twin of ``round_fraction`` for whole columns of minor units."""
    numerator = np.asarray(numerator)
    sign = np.where(numerator < 0, -1, 1)
    magnitude = numerator * sign
    quotient, remainder = magnitude // denominator, magnitude % denominator
    twice = remainder * 2
    if mode == "half_up":
        up = twice >= denominator
    elif mode == "half_even":
        up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return (quotient + up) * sign


def fx_ratio(rate: str, source: str, target: str) -> Fraction:
    """Minor units of ``target`` per minor unit of ``source`` at ``rate`` (units of target
    per unit of source, exact decimal text as the FX file has it)."""
    return parse_decimal(rate) * Fraction(10) ** (minor_digits(target) - minor_digits(source))


def convert_parts(parts: list[int], ratio: Fraction) -> tuple[int, list[int]]:
    """Convert amounts that add up to a total by one exact ratio: the total is converted and
    rounded half_up once, like a deal, and the parts are divided to match it by largest
    remainder (floor each exact part, give the units left to the largest remainders, ties to
    the earlier), so the converted parts still add up to the converted total."""
    exact = [part * ratio for part in parts]
    total = round_fraction(sum(exact, Fraction(0)), "half_up")
    floors = [value.numerator // value.denominator for value in exact]
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:total - sum(floors)]:
        floors[i] += 1
    return total, floors


def allocate(total: int, weights: list[Fraction]) -> list[int]:
    """Divide whole minor units in proportion to ``weights`` by largest remainder: floor
    each exact share of |total|, give the units left over to the largest remainders (ties to
    the earlier), restore the sign. The parts always add up to ``total``."""
    if not weights:
        return []
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    magnitude, sign = abs(total), (-1 if total < 0 else 1)
    if all(weight == weights[0] for weight in weights):  # equal shares: every remainder ties
        share, left = divmod(magnitude, len(weights))
        return [sign * (share + (i < left)) for i in range(len(weights))]
    exact = [magnitude * weight / whole for weight in weights]
    parts = [value.numerator // value.denominator for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * part for part in parts]


OVERFLOW = "an amount does not fit in 64-bit minor units"


class Money(int):
    """Whole minor units of the plan currency, within int64 like every money column."""

    def __new__(cls, value):
        if not fits_int64(value):
            raise AmountTooLargeError(OVERFLOW)
        return super().__new__(cls, value)
