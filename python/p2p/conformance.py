"""The join-rule conformance checks from Python: the essential checks of the C++ suite
(sim/rule_conformance.hpp) for any registered rule, a Python one included. Each check raises
AssertionError naming the rule and what broke; check() runs them all. In pytest:

    def test_my_rule_conforms():
        p2p.conformance.check("my_rule")
"""

from collections import Counter

from . import _core


def spec_round_trips(spec):
    """The canonical spec parses back to itself and names every declared parameter."""
    canonical = _core.canonical_spec(spec)
    assert _core.canonical_spec(canonical) == canonical, (
        "%s: the canonical spec %s does not parse back to itself" % (spec, canonical))
    for name in _core._declared(spec):
        assert name + "=" in canonical, "%s: parameter %s missing from %s" % (spec, name, canonical)
    assert _core._registered_params(_core._rule_name(spec)) == len(_core._declared(spec))


def links_are_mutual(spec, nodes=300, seeds=(1, 2)):
    """Once a grown network (a fifth of it crashed) drains, every link between live nodes is held
    at both ends, and no node is linked to itself."""
    for seed in seeds:
        g = _core._grow(spec, nodes, seed)
        assert g["pending"] == 0, "%s, seed %d: events left after draining" % (spec, seed)
        assert g["held"], "%s, seed %d: the rule linked nobody" % (spec, seed)
        alive = set(g["alive"])
        ends = Counter()
        for i, j in g["held"]:
            assert i != j, "%s, seed %d: node %d is linked to itself" % (spec, seed, i)
            if j in alive:
                ends[(i, j)] += 1
        for (i, j), count in ends.items():
            assert ends.get((j, i)) == count, (
                "%s, seed %d: link %d-%d is held at one end only" % (spec, seed, i, j))


def hop_limit_is_respected(spec, max_hops=5, seeds=range(1, 41)):
    """A request that arrives with any number of hops never goes on beyond the hop limit."""
    for seed in seeds:
        for arrived, sent in _core._forwarded_hops(spec, max_hops, seed, [4, 5, 9]):
            assert sent <= max_hops, (
                "%s, seed %d: a request arriving with %d hops went on with %d (limit %d)"
                % (spec, seed, arrived, sent, max_hops))


def unsolicited_ack_is_refused(spec, seeds=range(1, 11)):
    """A JOIN_ACK answering no request of the node makes no link and its connection is closed
    (rules that keep every JOIN_ACK on purpose are exempt)."""
    if not _core._checks_acks(spec):
        return
    for seed in seeds:
        linked, degree, closed = _core._unsolicited_ack(spec, seed)
        assert not linked and degree == 0, (
            "%s, seed %d: an unsolicited JOIN_ACK made a link" % (spec, seed))
        assert closed, "%s, seed %d: the unsolicited JOIN_ACK's connection stayed open" % (
            spec, seed)


def same_seed_same_run(spec, nodes=200, seed=9):
    """The same seed gives the same links, event count, notes and end time."""
    a = _core._grow(spec, nodes, seed)
    b = _core._grow(spec, nodes, seed)
    for key in ("links", "events", "notes", "end"):
        assert a[key] == b[key], "%s: two runs of seed %d differ in %s" % (spec, seed, key)


def flood_reaches_component(spec, nodes=300, seeds=(3, 4)):
    """The final flood is delivered once to every other node of its origin's component."""
    for seed in seeds:
        g = _core._grow(spec, nodes, seed)
        assert g["flooded"], "%s, seed %d: no flood ran" % (spec, seed)
        parent = {}

        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i, j in g["links"]:
            parent[find(i)] = find(j)
        root = find(g["flood_origin"])
        component = sum(1 for i in g["alive"] if find(i) == root)
        assert g["deliveries"] == component - 1, (
            "%s, seed %d: the flood reached %d of the %d other nodes of its component"
            % (spec, seed, g["deliveries"], component - 1))


CHECKS = (spec_round_trips, links_are_mutual, hop_limit_is_respected, unsolicited_ack_is_refused,
          same_seed_same_run, flood_reaches_component)


def check(spec):
    """Runs every check on `spec`; raises AssertionError at the first property it breaks."""
    for c in CHECKS:
        c(spec)
