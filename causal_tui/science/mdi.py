"""The min-degree interpolator (MDI) of Abbe, Bengio, Lotfi and Rizk (ICML
2023, "Generalization on the Unseen, Logic Reasoning and Degree Curriculum"),
and the Walsh-Hadamard transform of a function on the cube.

Write each input as x = 1 - 2*bit (0 -> +1, 1 -> -1) and a function as its
Walsh expansion f(x) = sum_S c_S prod_{i in S} x_i. Among the functions that
equal a field on every trained state, take those of the lowest degree that
can; among them minimise the mass sum_{|S|=d} c_S^2 at the top degree d, then
at d-1, and so on down to 0 (the lexicographically smallest degree profile).
Each step is a least-norm problem over an affine set, solved with a
null-space basis; the result is unique.

Floating point (numpy float64): values within 1e-9 of a whole number are
that number (tests hold it to the closed forms the paper gives). The
degrees searched stop where the monomials would number more than
MAX_MONOMIALS (a high-degree field of many inputs): there the MDI is
reported as not computed, with the reason."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

TOLERANCE = 1e-9
MAX_MONOMIALS = 4_096
"""The most monomials (Walsh functions) an MDI is searched among."""


class TooManyMonomials(ValueError):
    """The interpolating degree needs more monomials than MAX_MONOMIALS."""


@lru_cache(maxsize=64)
def subsets(n: int, degree: int) -> tuple[tuple[int, ...], ...]:
    """Every set of `degree` of the n inputs, in lexicographic order."""
    return tuple(itertools.combinations(range(n), degree))


def signs(bits: np.ndarray) -> np.ndarray:
    """States (rows of 0/1) in the +-1 coding: 0 -> +1, 1 -> -1."""
    return 1.0 - 2.0 * np.asarray(bits, dtype=np.float64)


def characters(x: np.ndarray, sets) -> np.ndarray:
    """[states, sets]: prod_{i in S} x_i for each state (rows of +-1) and set S."""
    out = np.ones((x.shape[0], len(sets)))
    for j, s in enumerate(sets):
        for i in s:
            out[:, j] *= x[:, i]
    return out


@dataclass
class MinDegree:
    """A field's min-degree interpolator over some trained states."""

    n: int
    degree: int
    """The lowest degree of a polynomial that fits every trained state."""
    coefficients: dict[tuple[int, ...], float] = field(default_factory=dict)
    """Its Walsh coefficients c_S (only those not zero)."""

    def values(self, bits) -> np.ndarray:
        """Its value on each state (rows of 0/1)."""
        x = signs(np.atleast_2d(bits))
        sets = list(self.coefficients)
        if not sets:
            return np.zeros(x.shape[0])
        return characters(x, sets) @ np.array([self.coefficients[s] for s in sets])

    def value(self, state) -> float:
        return clean(float(self.values([state])[0]))

    @property
    def profile(self) -> list[float]:
        """Its Walsh mass at each degree 0..degree."""
        mass = [0.0] * (self.degree + 1)
        for s, c in self.coefficients.items():
            mass[len(s)] += c * c
        return [round(m, 12) for m in mass]


def answer(value: float | None, binary: bool = False) -> int | None:
    """The MDI's answer: for a 0/1 field its value thresholded at 1/2 (the MDI
    is the same for any affine recoding of the output, so the threshold is
    sound), else rounded to the nearest whole number; None exactly half way
    (no side to take)."""
    if value is None:
        return None
    if binary:
        if abs(value - 0.5) < TOLERANCE:
            return None
        return int(value > 0.5)
    nearest = round(value)
    if abs(abs(value - int(value)) - 0.5) < TOLERANCE and abs(value - nearest) > 0.5 - TOLERANCE:
        return None
    return int(nearest)


def clean(value: float) -> float:
    """The value without float arithmetic's dust: within TOLERANCE of a whole
    number it is that number, else rounded to 12 decimals (-0.4999999999999997 is -0.5)."""
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < TOLERANCE else round(value, 12)


def fit(trained_bits, targets, n: int) -> MinDegree:
    """The MDI of `targets` (one per trained state, rows of 0/1 in `trained_bits`)."""
    bits = np.asarray(trained_bits, dtype=np.int8).reshape(-1, n)
    y = np.asarray(targets, dtype=np.float64)
    bits, first = np.unique(bits, axis=0, return_index=True)  # each state once
    y = y[first]
    x = signs(bits)
    scale = max(1.0, float(np.abs(y).max()) if y.size else 1.0)
    sets: list[tuple[int, ...]] = []
    blocks: list[slice] = []
    columns = np.zeros((len(y), 0))
    for degree in range(n + 1):
        new = subsets(n, degree)
        if len(sets) + len(new) > MAX_MONOMIALS:
            raise TooManyMonomials(f"an interpolator of degree {degree} has {len(sets) + len(new):,} monomials "
                                   f"(at most {MAX_MONOMIALS:,} are searched)")
        blocks.append(slice(len(sets), len(sets) + len(new)))
        sets += new
        columns = np.hstack([columns, characters(x, new)])
        c, *_ = np.linalg.lstsq(columns, y, rcond=None)
        if np.abs(columns @ c - y).max(initial=0.0) <= 1e-8 * scale:
            break
    c = _lexicographic(columns, c, blocks)
    coefficients = {s: clean(float(v)) for s, v in zip(sets, c) if abs(v) > TOLERANCE}
    return MinDegree(n=n, degree=degree, coefficients=coefficients)


def _lexicographic(columns: np.ndarray, c: np.ndarray, blocks: list[slice]) -> np.ndarray:
    """From one solution c of columns @ c = y: the one of least mass at the top
    degree, then the next down, and so on (each a least-norm step in the null space)."""
    basis = _null_space(columns)
    for block in reversed(blocks):
        if basis.shape[1] == 0:
            break
        part = basis[block]
        z, *_ = np.linalg.lstsq(part, -c[block], rcond=None)
        c = c + basis @ z
        basis = basis @ _null_space(part)
    return c


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of {v: matrix @ v = 0}."""
    if matrix.shape[0] == 0:
        return np.eye(matrix.shape[1])
    # Thin where rows outnumber columns (24,576 trained states x 121 monomials: no 24,576^2 U).
    _, singular, vt = np.linalg.svd(matrix, full_matrices=matrix.shape[0] < matrix.shape[1])
    tol = max(matrix.shape) * np.finfo(float).eps * (singular[0] if singular.size else 1.0)
    rank = int((singular > max(tol, 1e-10)).sum())
    return vt[rank:].T


# -- the Walsh-Hadamard transform of a function on the whole cube -----------------------
def walsh(values, n: int) -> np.ndarray:
    """Walsh coefficients c_S of a function given on all 2^n states (in the
    order of System.all_states: the first input is the most significant bit),
    indexed like the states: coefficient k belongs to the set of inputs whose
    bits are 1 in k. Fast (n log-steps, numpy); `inverse_walsh` undoes it."""
    f = np.asarray(values, dtype=np.float64).copy()
    if f.shape[0] != 1 << n:
        raise ValueError(f"a function on {n} inputs has {1 << n} values, not {f.shape[0]}")
    h = 1
    while h < f.shape[0]:
        f = f.reshape(-1, 2, h)
        f = np.stack([f[:, 0] + f[:, 1], f[:, 0] - f[:, 1]], axis=1).reshape(-1)
        h *= 2
    return f / f.shape[0]


def inverse_walsh(coefficients, n: int) -> np.ndarray:
    """The function's values on all 2^n states from its Walsh coefficients."""
    return walsh(coefficients, n) * (1 << n)


def degrees(n: int) -> np.ndarray:
    """The degree |S| of each Walsh coefficient, in walsh()'s order."""
    index = np.arange(1 << n)
    return np.array([bin(k).count("1") for k in index])


def degree_profile(coefficients, n: int) -> list[float]:
    """The Walsh mass sum_{|S|=k} c_S^2 at each degree k = 0..n."""
    mass = np.bincount(degrees(n), weights=np.asarray(coefficients) ** 2, minlength=n + 1)
    return [float(m) for m in mass]


def set_of(index: int, n: int) -> tuple[int, ...]:
    """The inputs of Walsh coefficient `index` (bit n-1-i of the index is input i)."""
    return tuple(i for i in range(n) if index >> (n - 1 - i) & 1)
