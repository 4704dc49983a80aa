"""Fuzzing: mutated specs give a valid result or a symprop error, never another exception."""

import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symprop
from symprop.errors import SympropError
from symprop.variants.rules import read_rules

from conftest import EXAMPLES

FUZZ_EXAMPLES = int(os.environ.get("SYMPROP_FUZZ_EXAMPLES", "150"))
BASES = [yaml.safe_load((EXAMPLES / name).read_text()) for name in
         ("textbook-2-2-1.yaml", "seed-000-relu-chain.yaml", "seed-001-linear-neuron.yaml",
          "mazur-2-2-2.yaml", "seed-002-four-weights.yaml", "exam-sigmoid-2-2-1.yaml",
          "exam-relu-nice.yaml")]

odd_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e308", "1e-400", "-0", "0x10", "1/0", "1_000", "∞", "NaN", "½",
                     "__import__('os').system('touch PWNED')", "{{ 7*7 }}", "\\input{x}",
                     "sigmoid", "softmax", "W1[9,9]", "b1", "w99", "sequential", ""]),
    st.text(max_size=12))
values = st.recursive(odd_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12)


def paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, (*prefix, index))


def mutate(tree, path, action, value):
    if not path:
        return value if action == "replace" else tree
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "extra" and isinstance(parent, dict):
        parent[f"{last}_extra"] = value
    elif action == "nest":
        inner = value
        for _ in range(60):
            inner = [inner]
        parent[last] = inner
    return tree


extreme_numbers = st.one_of(
    st.sampled_from([0, 1, -1, 1000, -1000, 10**12, -10**12, 1e-12, -1e-12, 0.5, 1e6, 30, -30]),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(float))
GENTLE = {"activation": ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"],
          "loss": ["half_squared_error", "squared_error", "mean_squared_error",
                   "binary_cross_entropy", "cross_entropy"],
          "reduction": ["sum", "mean"], "bias": [True, False, "shared"],
          "units": [1, 2, 3], "steps": [1, 2, 3], "relu_derivative_at_zero": [0, 1]}


def gentle(draw, tree):
    """Keep the document valid in shape, but push values and choices to their edges."""
    for path in draw(st.lists(st.sampled_from(list(paths(tree))), min_size=1, max_size=4)):
        if not path:
            continue
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        last, current = path[-1], parent[path[-1]]
        if last in GENTLE:
            parent[last] = draw(st.sampled_from(GENTLE[last]))
        elif isinstance(current, int | float) and not isinstance(current, bool):
            parent[last] = draw(extreme_numbers)
    return tree


@st.composite
def mutated_specs(draw):
    import copy
    tree = copy.deepcopy(draw(st.sampled_from(BASES)))
    if draw(st.booleans()):
        return yaml.safe_dump(gentle(draw, tree), allow_unicode=True)
    for _ in range(draw(st.integers(1, 3))):
        candidates = list(paths(tree))
        path = draw(st.sampled_from(candidates))
        action = draw(st.sampled_from(["replace", "replace", "delete", "extra", "nest"]))
        tree = mutate(tree, path, action, draw(values))
    return yaml.safe_dump(tree, allow_unicode=True)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_specs())
def test_mutated_specs_give_a_result_or_a_symprop_error(text):
    try:
        solution = symprop.loads(text, max_parameters=60).solve(symbolic_seconds=0)
    except SympropError as error:
        message = str(error)
        assert message and "\n" not in message and "Traceback" not in message
        return
    assert solution.proof.agrees and solution.numpy.agrees
    try:  # the variants: block is read only by `symprop variants`; fuzz it here too
        read_rules(solution.problem, solution.graph)
    except SympropError as error:
        assert str(error) and "\n" not in str(error)


def test_nothing_from_a_spec_is_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    base = (EXAMPLES / "textbook-2-2-1.yaml").read_text()
    rate = "learning_rate: 0.5"
    variants = [base.replace("0.05", f'"{payload}"'),
                base.replace("sigmoid}\n  - {units: 1", f'"{payload}"}}\n  - {{units: 1'),
                base.replace("half_squared_error", f'"{payload}"'),
                base.replace("Textbook 2-2-1 sigmoid network", payload),
                base.replace(rate, f'{rate}\nnames: {{w: "{payload}"}}'),
                base.replace(rate, f'{rate}\nfrozen: ["{payload}"]'),
                base.replace("b2: [0.05]", f'b2: [0.05]\n  "{payload}": 1')]
    rules = [f'variants: {{ask: ["{payload}"]}}', f'variants: {{vary: {{"{payload}": [1]}}}}',
             f'variants: {{vary: {{W1: {{low: "{payload}", high: 1}}}}}}',
             f'variants: {{tolerance: {{"{payload}": 1}}}}', f'variants: "{payload}"']
    variants += [base + rule + "\n" for rule in rules]
    for text in variants:
        try:
            solution = symprop.loads(text).solve(symbolic_seconds=0)
            read_rules(solution.problem, solution.graph)
        except SympropError:
            pass
    assert not (tmp_path / "PWNED").exists()
