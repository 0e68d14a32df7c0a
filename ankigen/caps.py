"""Caps on what an expression may ask for (sizes, powers, factorials), checked before computing.

Both backends use them, so a source cannot hang a build or exhaust memory in either.
"""

from __future__ import annotations

import math
from typing import Any

from ankigen.errors import ItemError

MAX_POW_EXPONENT = 512
MAX_FACTORIAL = 300
MAX_MATRIX = 12
MAX_RANGE = 10_000
MAX_ELEMENTS = 1_000_000  # entries of one array (8 MB of floats): checked before allocating
MAX_WORK = 100_000_000  # multiply-adds of one convolution or matrix product


def check_int_power(base: Any, exp: Any) -> None:
    """Refuse powers whose result would be astronomically large (they hang or eat memory)."""
    try:
        e = float(exp)
    except (TypeError, ValueError):
        return
    if abs(e) > MAX_POW_EXPONENT:
        shown = str(exp) if len(str(exp)) <= 40 else f"{str(exp)[:20]}… ({len(str(exp))} digits)"
        raise ItemError(f"exponent {shown} is larger than {MAX_POW_EXPONENT}",
                        "use a smaller exponent")
    try:
        bf = abs(float(base))
    except OverflowError:
        bf = math.inf
    except (TypeError, ValueError):
        return
    if math.isinf(bf) and abs(e) > 1:
        raise ItemError(f"a number with more than 308 digits raised to the power {exp}",
                        "use smaller numbers")
    if bf > 1 and abs(e) * math.log10(bf) > 400:
        raise ItemError(f"{base}**{exp} has more than 400 digits", "use smaller numbers")


def require_size(n: Any, cap: int, what: str) -> int:
    try:
        k = int(n)
    except (TypeError, ValueError) as e:
        raise ItemError(f"{what} must be an integer, got {n}") from e
    if abs(k) > cap:
        raise ItemError(f"{what} {k} is larger than the limit {cap}", "use a smaller value")
    return k


def check_shape(shape: tuple[int, ...], what: str = "array") -> tuple[int, ...]:
    """An array shape within MAX_ELEMENTS entries, refused before the array is allocated."""
    if math.prod(shape) > MAX_ELEMENTS:
        raise ItemError(f"{what} of shape {'x'.join(map(str, shape))} has more than {MAX_ELEMENTS} "
                        "entries", "use smaller sizes")
    return shape


def shape_of(args: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape given as arguments, like zeros(2, 3), each within the caps."""
    return check_shape(tuple(require_size(a, MAX_ELEMENTS, "array size") for a in args))
