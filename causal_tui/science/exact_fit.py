"""Lowest-degree polynomial fits of the trained states, in exact rational arithmetic.

The interpolator guesser asks: which polynomial in the inputs, of the lowest
degree that fits every trained state exactly, and what does it say on a
held-out state? Often several polynomials of that degree fit (with A=1&C=1
held out, the monomial AC is 0 on every trained state, so any multiple of it
can be added), and then their predictions on a held-out state may differ. A
least-squares solver silently picks one of them; here every prediction says
whether it is *determined*, the same for every lowest-degree fit.

It is, exactly when the state's monomial vector lies in the row space of the
trained design matrix (then the prediction is that combination of the trained
answers, whatever the fit); otherwise adding a null-space vector moves it to
any value at all. Rows are kept in reduced row echelon form over the
rationals (fractions.Fraction), as sparse dicts: monomial matrices on the
boolean cube stay sparse under elimination, so 255 states x 256 monomials
take a few tens of milliseconds."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

Row = dict[int, Fraction]
"""A sparse row: column -> non-zero value. Column -1 is the right-hand side."""

RHS = -1


def monomials(n_inputs: int, degree: int) -> list[tuple[int, ...]]:
    """Products of distinct inputs of at most `degree` factors (inputs are 0/1,
    so higher powers add nothing), lowest degree first."""
    return [c for d in range(degree + 1) for c in itertools.combinations(range(n_inputs), d)]


def features(state: Sequence[int], monos: list[tuple[int, ...]]) -> Row:
    """The monomials that are 1 on this state, as a sparse row."""
    return {j: Fraction(1) for j, m in enumerate(monos) if all(state[i] for i in m)}


class Echelon:
    """Rows in reduced row echelon form, added one at a time."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, Row]] = []
        """(pivot column, row) with a 1 at the pivot and 0 at every other pivot."""

    def reduce(self, row: Row) -> Row:
        """`row` minus its projection on the rows so far (zero at every pivot)."""
        row = dict(row)
        for col, prow in self.rows:
            _eliminate(row, col, prow)
        return row

    def add(self, row: Row) -> int | None:
        """Add a row; its new pivot column, or None where it was dependent."""
        row = self.reduce(row)
        pivots = [j for j in row if j != RHS]
        if not pivots:
            if row.get(RHS):
                self.rows.append((RHS, {RHS: Fraction(1)}))  # 0 = 1: no exact fit
                return RHS
            return None
        col = min(pivots)
        scale = row[col]
        row = {j: v / scale for j, v in row.items()}
        for _, prow in self.rows:
            _eliminate(prow, col, row)
        self.rows.append((col, row))
        return col

    @property
    def consistent(self) -> bool:
        return all(col != RHS for col, _ in self.rows)


def _eliminate(row: Row, col: int, pivot_row: Row) -> None:
    """row -= row[col] * pivot_row (pivot_row has a 1 at col), in place, sparse."""
    f = row.get(col)
    if not f:
        return
    for j, v in pivot_row.items():
        nv = row.get(j, 0) - f * v
        if nv:
            row[j] = nv
        else:
            row.pop(j, None)


@dataclass(frozen=True)
class Prediction:
    value: Fraction | None
    """The prediction where every lowest-degree fit gives the same; None where not."""

    @property
    def determined(self) -> bool:
        """Determined and not exactly halfway between two whole answers (a half
        rounds either way: which one is a tie-break, not a property of the data)."""
        return self.value is not None and self.value.denominator != 2

    @property
    def range(self) -> tuple[int | None, int | None] | None:
        """Where an undetermined prediction can land: the two whole numbers
        around a half, (None, None) for any value at all; None if determined."""
        if self.determined:
            return None
        if self.value is None:
            return (None, None)
        return (int(self.value - Fraction(1, 2)), int(self.value + Fraction(1, 2)))

    @property
    def answer(self) -> int | None:
        """The whole-number answer it stands for, when determined."""
        return round(self.value) if self.determined else None


@dataclass
class Fit:
    """The family of lowest-degree exact fits of (states -> values)."""

    degree: int
    monos: list[tuple[int, ...]]
    echelon: Echelon

    def predict(self, state: Sequence[int]) -> Prediction:
        # Reduce [f(s) | 0] by the rows [X | y]: where f(s) = sum(l_i x_i) the
        # monomial part vanishes and what is left of the right-hand side is
        # -sum(l_i y_i), the prediction of every fit.
        rest = self.echelon.reduce(features(state, self.monos))
        if any(j != RHS for j in rest):
            return Prediction(None)
        return Prediction(-rest.get(RHS, Fraction(0)))


def lowest_degree_fit(states: Sequence[Sequence[int]], values: Sequence[int], n_inputs: int) -> Fit:
    """The lowest degree at which some polynomial fits every (state, value)
    exactly; degree n always does, since the states are distinct points of the cube."""
    for degree in range(n_inputs + 1):
        monos = monomials(n_inputs, degree)
        echelon = Echelon()
        for s, y in zip(states, values):
            row = features(s, monos)
            if y:
                row[RHS] = Fraction(y)
            echelon.add(row)
            if not echelon.consistent:
                break
        if echelon.consistent:
            return Fit(degree, monos, echelon)
    raise ValueError("no exact fit: are two states the same with different values?")
