"""The min-degree interpolator against the closed forms of Abbe et al. (2023)
and a brute-force least-norm solution; the Walsh-Hadamard transform."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from causal_tui.science import guessers, mdi
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut


def cube(n: int) -> list[tuple[int, ...]]:
    return list(itertools.product((0, 1), repeat=n))


def pm(bit: int) -> int:
    return 1 - 2 * bit


def test_the_headline_holdout_a_or_c():
    """With A=1&C=1 held out of the seed system: newA's MDI is A + C (value 2
    on every held-out state, thresholded 1: every seed's A OR C); newD's is the
    truth; sum2's is truth + 2 (the rule on the thresholded MDIs: truth + 1)."""
    held = HeldOut.parse("A=1&C=1", SEED)
    fits = guessers.min_degrees(SEED, held)
    guesses = guessers.predictions(SEED, held)
    assert fits["newA"].degree == 1
    for s in held:
        truth = SEED.truth(s)
        assert fits["newA"].value(s) == 2.0 and guesses[s]["newA"]["mdi_answer"] == 1
        assert fits["newD"].value(s) == truth["newD"]
        assert fits["sum2"].value(s) == truth["sum2"] + 2
        assert guesses[s]["sum2"]["mdi_rule"] == truth["sum2"] + 1
    # A + C in 0/1 terms is 1 - (x_A + x_C)/2: Walsh coefficients 1, -1/2, -1/2.
    assert fits["newA"].coefficients == {(): 1.0, (0,): -0.5, (2,): -0.5}


@pytest.mark.parametrize("n", [2, 4, 7])
def test_the_papers_x0_x1_with_x0_x1_minus_one_unseen(n):
    states = cube(n)
    trained = [s for s in states if not (s[0] == 1 and s[1] == 1)]
    fit = mdi.fit(np.array(trained), [pm(s[0]) * pm(s[1]) for s in trained], n)
    assert fit.coefficients == {(): -1.0, (0,): 1.0, (1,): 1.0}  # x0 + x1 - 1
    assert all(fit.value(s) == -3.0 for s in states if s[0] == 1 and s[1] == 1)


def test_a_frozen_coordinate_is_fixed_to_its_trained_value():
    """Trained only where x0 = +1: the MDI is the target with x0 fixed to +1."""
    n = 4
    states = cube(n)

    def target(s):
        return pm(s[0]) * pm(s[1]) + pm(s[2]) - 0.5 * pm(s[0]) * pm(s[3])

    trained = [s for s in states if s[0] == 0]
    fit = mdi.fit(np.array(trained), [target(s) for s in trained], n)
    for s in states:
        frozen = (0, *s[1:])
        assert abs(fit.value(s) - target(frozen)) < 1e-9


def brute_force(trained, y, n):
    """Lexicographic least mass by another route: the lowest interpolating
    degree by rank; then, from the top degree down, the block of least norm
    given the blocks above it fixed (a KKT system per degree: min |c_D|^2
    subject to A c = y, the lower blocks free)."""
    x = np.array([[pm(b) for b in s] for s in trained], dtype=float)
    for degree in range(n + 1):
        sets = [S for d in range(degree + 1) for S in itertools.combinations(range(n), d)]
        a = np.array([[np.prod([row[i] for i in S]) for S in sets] for row in x])
        c, *_ = np.linalg.lstsq(a, y, rcond=None)
        if np.abs(a @ c - y).max() < 1e-9:
            break
    fixed: dict = {}
    for d in range(degree, -1, -1):
        block = [j for j, S in enumerate(sets) if len(S) == d]
        free = [j for j, S in enumerate(sets) if len(S) < d]
        done = [j for j, S in enumerate(sets) if len(S) > d]
        rhs = y - (a[:, done] @ np.array([fixed[j] for j in done]) if done else 0)
        ad, af = a[:, block], a[:, free]
        k, m, r = len(block), len(free), len(y)
        kkt = np.zeros((k + m + r, k + m + r))
        kkt[:k, :k] = 2 * np.eye(k)
        kkt[:k, k + m:] = ad.T
        kkt[k:k + m, k + m:] = af.T
        kkt[k + m:, :k] = ad
        kkt[k + m:, k:k + m] = af
        solution, *_ = np.linalg.lstsq(kkt, np.concatenate([np.zeros(k + m), rhs]), rcond=None)
        fixed.update(zip(block, solution[:k]))
    return degree, {sets[j]: c for j, c in fixed.items()}


@pytest.mark.parametrize("case", range(12))
def test_the_mdi_equals_a_brute_force_least_norm_solution_on_small_random_cases(case):
    rng = np.random.default_rng(case)
    n = int(rng.integers(2, 5))
    states = cube(n)
    keep = rng.random(len(states)) < 0.7
    keep[int(rng.integers(len(states)))] = True
    trained = [s for s, k in zip(states, keep) if k]
    y = rng.integers(0, 2, size=len(trained)).astype(float)
    fit = mdi.fit(np.array(trained), y, n)
    degree, expected = brute_force(trained, y, n)
    assert fit.degree == degree
    for s in states:  # the same function everywhere, unseen states included
        mine = fit.value(s)
        theirs = sum(c * np.prod([pm(s[i]) for i in S]) for S, c in expected.items())
        assert abs(mine - theirs) < 1e-8, (case, s, mine, theirs)


def test_the_walsh_transform_and_its_inverse():
    rng = np.random.default_rng(0)
    for n in (1, 3, 6):
        values = rng.random(1 << n)
        coefficients = mdi.walsh(values, n)
        assert np.allclose(mdi.inverse_walsh(coefficients, n), values)
        # Each coefficient is the mean of f times its character.
        states = np.array(cube(n))
        for k in rng.integers(0, 1 << n, size=4):
            chi = np.array([np.prod([pm(s[i]) for i in mdi.set_of(int(k), n)]) for s in states])
            assert abs(coefficients[k] - float(np.mean(values * chi))) < 1e-12
        assert abs(sum(mdi.degree_profile(coefficients, n)) - float(np.sum(coefficients ** 2))) < 1e-12


def test_a_half_way_value_has_no_answer():
    assert mdi.answer(0.5, binary=True) is None and mdi.answer(0.51, binary=True) == 1
    assert mdi.answer(2.0, binary=True) == 1 and mdi.answer(-1.0, binary=True) == 0
    assert mdi.answer(2.5) is None and mdi.answer(2.4) == 2 and mdi.answer(-0.6) == -1


def test_a_models_spectrum_is_printed_drawn_and_returned(trained, workdir, capsys):
    """inspect --spectrum prints the degree profile table; plot --spectrum draws
    it; the API returns it as rows whose model mass sums to the model's mean square p(1)."""
    import causal_tui as ct
    from causal_tui.cli.main import tui_main

    final = str(trained.final)
    assert tui_main(["inspect", "--spectrum", "--model", final]) == 0
    out = capsys.readouterr().out
    assert "The learned function's degree profile" in out and "MDI" in out
    assert tui_main(["plot", str(workdir / "spectrum.png"), "--spectrum", "--model", final]) == 0
    assert (workdir / "spectrum.png").stat().st_size > 10_000
    run = ct.load_run(final)
    table = run.spectrum().to_pandas()
    assert set(table.field) == set(SEED.outputs) and set(table.degree) == set(range(6))
    # Parseval: the masses add up to the mean square of the function.
    from causal_tui.science import spectrum

    report = run.report
    probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
    values = spectrum.model_values(SEED, "newB", report.predictions(), probabilities)
    assert abs(table[table.field == "newB"].model.sum() - float(np.mean(values ** 2))) < 1e-6
    # The truth's profile is the truth's: newB = NOT D has mass only at degrees 0 and 1.
    truth = table[table.field == "newB"].set_index("degree").truth
    assert truth[0] == 0.25 and truth[1] == 0.25 and truth[2:].sum() == 0
