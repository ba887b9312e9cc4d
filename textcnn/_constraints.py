"""Parameter domains scikit-learn's constraint language lacks: int tuples, device strings.

Used in the encoders' ``_parameter_constraints`` tables beside sklearn's own
(``Interval``, ``StrOptions``, ``"boolean"``, ...). They subclass
``sklearn.utils._param_validation.Options`` only because ``make_constraint`` accepts
that family; they override what they check and how they read.
"""

from __future__ import annotations

import re
from numbers import Integral
from typing import Any

from sklearn.utils._param_validation import Options, _Constraint


class IntTuple(Options):
    """A tuple (or list) of ``min_length`` to ``max_length`` integers >= ``min_value``.

    Examples
    --------
    >>> IntTuple(1).is_satisfied_by((3, 4, 5)), IntTuple(1).is_satisfied_by(())
    (True, False)
    >>> str(IntTuple(2, 2, increasing=True))
    'a tuple of 2 integers >= 1, in increasing order'
    """

    def __init__(
        self,
        min_length: int,
        max_length: int | None = None,
        min_value: int = 1,
        increasing: bool = False,
    ) -> None:
        _Constraint.__init__(self)
        self.min_length = min_length
        self.max_length = max_length
        self.min_value = min_value
        self.increasing = increasing

    def is_satisfied_by(self, val: Any) -> bool:  # noqa: D102
        if not isinstance(val, (tuple, list)):
            return False
        if len(val) < self.min_length or (self.max_length and len(val) > self.max_length):
            return False
        if not all(isinstance(v, Integral) and not isinstance(v, bool) for v in val):
            return False
        if any(v < self.min_value for v in val):
            return False
        return not self.increasing or all(a <= b for a, b in zip(val, val[1:], strict=False))

    def __str__(self) -> str:
        if self.max_length == self.min_length:
            size = f"{self.min_length}"
        elif self.max_length is None:
            size = f"{self.min_length} or more"
        else:
            size = f"{self.min_length} to {self.max_length}"
        order = ", in increasing order" if self.increasing else ""
        return f"a tuple of {size} integers >= {self.min_value}{order}"


class DeviceString(Options):
    """``"auto"``, ``"cpu"``, ``"cuda"`` / ``"cuda:N"`` or ``"mps"``.

    Examples
    --------
    >>> [DeviceString().is_satisfied_by(d) for d in ("auto", "cuda:1", "tpu")]
    [True, True, False]
    """

    _PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")

    def __init__(self) -> None:
        _Constraint.__init__(self)

    def is_satisfied_by(self, val: Any) -> bool:  # noqa: D102
        return isinstance(val, str) and self._PATTERN.fullmatch(val) is not None

    def __str__(self) -> str:
        return "a device: 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"
