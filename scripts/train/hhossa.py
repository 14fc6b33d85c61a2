"""HHOSSA wrapper feature selection: a hybrid of Harris Hawks Optimization and the Sparrow Search Algorithm.

Reference: Indra Kumari & Minho Lee, "A prospective approach to detect advanced persistent threats: Utilizing hybrid
optimization technique", Heliyon 9(11), e21377, November 2023 (PMC10651460). The paper uses HHOSSA to pick features
for its LightGBM + Bi-LSTM APT detector. The component algorithms follow their original papers:
  - HHO: Heidari et al., "Harris hawks optimization: Algorithm and applications", FGCS 97 (2019) 849-872.
  - SSA: Xue & Shen, "A novel swarm intelligence optimization approach: sparrow search algorithm",
    Systems Science & Control Engineering 8(1) (2020) 22-34.

Hybrid scheme used here (one iteration):
  1. every agent moves as a Harris hawk around the best mask found so far (the "rabbit"): exploration while the
     escaping energy |E| >= 1, soft/hard besiege (with Levy-flight rapid dives) as E decays;
  2. the population, sorted by fitness, then takes one Sparrow Search step (producers / scroungers / vigilant
     sparrows); a sparrow's new position replaces the old one only when its mask is fitter (greedy), so SSA
     refines what HHO explored.
Positions are continuous in [-BOUND, BOUND]; a mask bit is on when a uniform draw is below sigmoid(position)
(S-shaped transfer). Fitness = error on a held-out fold + penalty * share of features kept (lower is better).
Everything draws from one seeded numpy Generator, so a run is reproducible.

Self-check: python hhossa.py --self-test   (synthetic data where only 4 of 20 features are informative: all 4 must
be selected and at most 2 of the 16 noise features; train.sh runs it before training)."""
import argparse
import math
import sys
import time

import numpy as np

BOUND = 6.0


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _levy(rng, dim, beta=1.5):
    """Levy flight step (Mantegna's algorithm), as in the HHO paper."""
    sigma = (math.gamma(1 + beta) * math.sin(math.pi * beta / 2)
             / (math.gamma((1 + beta) / 2) * beta * 2 ** ((beta - 1) / 2))) ** (1 / beta)
    u = rng.normal(0.0, sigma, dim)
    v = rng.normal(0.0, 1.0, dim)
    return u / np.abs(v) ** (1 / beta)


def _anchor(pos, mask, margin=3.0):
    """The rabbit's position, pushed to agree with the mask it produced. With a stochastic transfer the same
    position can give another mask; without this, hawks converging on the rabbit would not converge on its subset."""
    return np.where(mask, np.maximum(pos, margin), np.minimum(pos, -margin))


class _Evaluator:
    """Binarizes positions and evaluates masks once each (the wrapper model is the expensive part)."""

    def __init__(self, fitness, rng):
        self.fitness = fitness
        self.rng = rng
        self.cache = {}
        self.evaluations = 0

    def binarize(self, pos):
        mask = self.rng.random(pos.shape) < _sigmoid(pos)
        if not mask.any():
            # An empty subset has no model; keep the single most likely feature instead.
            mask[int(np.argmax(pos))] = True
        return mask

    def score(self, mask):
        key = mask.tobytes()
        if key not in self.cache:
            self.cache[key] = float(self.fitness(mask))
            self.evaluations += 1
        return self.cache[key]


def select_features(fitness, n_features, population=8, iterations=10, seed=7, log=None):
    """Runs HHOSSA and returns (best_mask: np.ndarray[bool], best_fitness: float, info: dict).

    fitness(mask) -> float, lower is better; it is called once per distinct mask.
    The all-features mask is part of the initial population, so the result is never worse (by fitness) than
    keeping everything."""
    if n_features < 1:
        raise ValueError('hhossa: n_features must be >= 1')
    if population < 2 or iterations < 0:
        raise ValueError('hhossa: population must be >= 2 and iterations >= 0')
    rng = np.random.default_rng(seed)
    ev = _Evaluator(fitness, rng)
    # Agents start around different subset sizes (from about 10% to all features), so the penalty on size has
    # something to compare from the first iteration.
    centres = np.linspace(-2.2, BOUND, population)[::-1]
    pos = centres[:, None] + rng.uniform(-1.0, 1.0, (population, n_features))
    pos[0] = BOUND  # the all-features agent
    masks = np.array([ev.binarize(p) for p in pos])
    fit = np.array([ev.score(m) for m in masks])
    b = int(np.argmin(fit))
    best_mask, best_fit = masks[b].copy(), float(fit[b])
    best_pos = _anchor(pos[b], best_mask)
    history = [best_fit]

    def consider(i, new_pos):
        """Greedy move: agent i takes new_pos when its mask is at least as fit."""
        nonlocal best_pos, best_mask, best_fit
        new_pos = np.clip(new_pos, -BOUND, BOUND)
        m = ev.binarize(new_pos)
        f = ev.score(m)
        if f <= fit[i]:
            pos[i], masks[i], fit[i] = new_pos, m, f
        if f < best_fit:
            best_pos, best_mask, best_fit = _anchor(new_pos, m), m.copy(), f
        return f

    for t in range(iterations):
        # --- Harris hawks step ---
        mean = pos.mean(axis=0)
        for i in range(population):
            e0 = 2 * rng.random() - 1
            energy = 2 * e0 * (1 - t / max(iterations, 1))
            jump = 2 * (1 - rng.random())
            x = pos[i]
            if abs(energy) >= 1:
                if rng.random() >= 0.5:
                    xr = pos[rng.integers(population)]
                    new = xr - rng.random() * np.abs(xr - 2 * rng.random() * x)
                else:
                    new = (best_pos - mean) - rng.random() * (-BOUND + rng.random() * 2 * BOUND)
                # Exploration always moves (it is how hawks leave a local optimum).
                new = np.clip(new, -BOUND, BOUND)
                m = ev.binarize(new)
                f = ev.score(m)
                pos[i], masks[i], fit[i] = new, m, f
                if f < best_fit:
                    best_pos, best_mask, best_fit = _anchor(new, m), m.copy(), f
                continue
            r = rng.random()
            if r >= 0.5 and abs(energy) >= 0.5:
                consider(i, (best_pos - x) - energy * np.abs(jump * best_pos - x))
            elif r >= 0.5:
                consider(i, best_pos - energy * np.abs(best_pos - x))
            else:
                ref = x if abs(energy) >= 0.5 else mean
                y = best_pos - energy * np.abs(jump * best_pos - ref)
                before = fit[i]
                # Rapid dive: when the plain besiege does not improve, try a Levy-flight step from it.
                if consider(i, y) >= before:
                    consider(i, y + rng.random(n_features) * _levy(rng, n_features))
        # --- Sparrow search step on the sorted population ---
        order = np.argsort(fit, kind='stable')
        n_prod = max(1, int(round(0.2 * population)))
        worst = pos[order[-1]].copy()
        worst_fit = float(fit[order[-1]])
        r2 = rng.random()
        for rank, i in enumerate(order):
            if rank < n_prod:
                if r2 < 0.8:
                    new = pos[i] * np.exp(-(rank + 1) / (rng.random() * iterations + 1e-9))
                else:
                    new = pos[i] + rng.normal() * np.ones(n_features)
            elif rank > population / 2:
                new = rng.normal() * np.exp((worst - pos[i]) / (rank + 1) ** 2)
            else:
                producer = pos[order[0]]
                # |X - X_P| . A+ with A a random +-1 row (A+ = A^T / d), applied to every dimension (L = ones).
                a = rng.choice([-1.0, 1.0], n_features)
                new = producer + float(np.abs(pos[i] - producer) @ a) / n_features
            consider(i, new)
        # Vigilant sparrows (10-20% of the flock) sense danger and move.
        for i in rng.choice(population, size=max(1, population // 5), replace=False):
            if fit[i] > best_fit:
                new = best_pos + rng.normal() * np.abs(pos[i] - best_pos)
            else:
                new = pos[i] + rng.uniform(-1, 1) * np.abs(pos[i] - worst) / (fit[i] - worst_fit + 1e-12)
            consider(i, new)
        history.append(best_fit)
        if log:
            log(f'hhossa: iteration {t + 1}/{iterations} best fitness {best_fit:.5f} '
                f'features {int(best_mask.sum())}/{n_features} evaluations {ev.evaluations}')
    return best_mask, best_fit, {'evaluations': ev.evaluations, 'history': history,
                                 'population': population, 'iterations': iterations, 'seed': seed}


def lgbm_fitness(X_fit, y_fit, X_hold, y_hold, penalty=0.01, seed=7, trees=60):
    """Wrapper fitness: (1 - average precision of a small LightGBM on the held-out fold) + penalty * share kept.
    Unselected columns are simply not given to the model."""
    import lightgbm as lgb
    from sklearn.metrics import average_precision_score
    n = X_fit.shape[1]

    def fitness(mask):
        cols = np.flatnonzero(mask)
        clf = lgb.LGBMClassifier(n_estimators=trees, learning_rate=0.1, num_leaves=15, min_child_samples=20,
                                 subsample=0.8, subsample_freq=1, random_state=seed, deterministic=True,
                                 force_row_wise=True, n_jobs=1, verbose=-1)
        clf.fit(X_fit[:, cols], y_fit)
        p = clf.predict_proba(X_hold[:, cols])[:, 1]
        return (1.0 - average_precision_score(y_hold, p)) + penalty * len(cols) / n

    return fitness


def synthetic_problem(n=20, k=4, rows=8000, seed=3):
    """Only the first k of n features decide the label (an interaction and thresholds); the rest are noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n)).astype(np.float32)
    z = 1.5 * X[:, 0] - 1.2 * X[:, 1] + 1.3 * X[:, 2] * X[:, 3] if k >= 4 else X[:, :k].sum(axis=1)
    y = (z + 0.3 * rng.normal(size=rows) > 1.0).astype(np.int64)
    return X, y, list(range(k))


def self_test(seed=7):
    n, k = 20, 4
    X, y, informative = synthetic_problem(n, k)
    cut = int(len(y) * 0.7)
    fitness = lgbm_fitness(X[:cut], y[:cut], X[cut:], y[cut:], penalty=0.05, seed=seed, trees=40)
    t0 = time.time()
    mask, best, info = select_features(fitness, n, population=10, iterations=12, seed=seed)
    chosen = sorted(int(i) for i in np.flatnonzero(mask))
    missing = sorted(set(informative) - set(chosen))
    extra = sorted(set(chosen) - set(informative))
    print(f'hhossa self-test: selected {chosen} (informative {informative}), fitness {best:.4f}, '
          f'{info["evaluations"]} evaluations, {time.time() - t0:.1f}s')
    if missing:
        print(f'hhossa self-test: FAILED, informative features not selected: {missing}')
        return 1
    # The fitness is noisy (a small model on a finite hold-out), so one or two noise features may tie with the
    # optimum; keeping all 16 (no selection) or a random half (about 8) fails.
    if len(extra) > 2:
        print(f'hhossa self-test: FAILED, {len(extra)} of {n - k} noise features kept: {extra}')
        return 1
    print('hhossa self-test: ok')
    return 0


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--self-test', action='store_true')
    ap.add_argument('--seed', type=int, default=7)
    a = ap.parse_args()
    if not a.self_test:
        ap.error('nothing to do: pass --self-test (train.py imports select_features)')
    sys.exit(self_test(a.seed))
