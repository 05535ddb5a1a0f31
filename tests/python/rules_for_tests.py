"""Join rules written in Python for the module's tests and its benchmark."""

import p2p


@p2p.register_rule
class PyInverseDegree(p2p.JoinRule):
    """inverse_degree (protocol/rules/inverse_degree.cpp) step for step: the same draws from the
    node's generator in the same order, so it makes the same network as the C++ rule."""

    name = "py_inverse_degree"
    summary = "inverse_degree written in Python"
    params = {"warmup": 0}

    def on_join_request(self, node, request):
        # A walk that cannot go on ends here: taking the newcomer beats dropping it.
        if node.random_link(avoid=request.origin) is None and node.may_link(request.origin):
            return p2p.accept
        u = node.random()
        if (node.may_link(request.origin) and request.hops >= self.params["warmup"]
                and u < 1.0 / (node.degree + 1)):
            return p2p.accept
        if request.hops >= node.max_hops:
            return p2p.drop
        nxt = node.random_link(avoid=request.origin)
        return p2p.pass_to(nxt) if nxt is not None else p2p.drop


@p2p.register_rule
class FirstComeOnly(p2p.JoinRule):
    """Accepts the first `quota` newcomers that ask a node (per-node state), then passes on."""

    name = "py_first_come"
    params = {"quota": 2}

    def make_state(self):
        return {"accepted": 0}

    def on_join_request(self, node, request):
        s = node.state
        if node.may_link(request.origin) and s["accepted"] < self.params["quota"]:
            s["accepted"] += 1
            return p2p.accept
        nxt = node.random_link(avoid=request.origin)
        if nxt is None:
            return p2p.accept if node.may_link(request.origin) else p2p.drop
        return p2p.pass_to(nxt)


@p2p.register_rule
class Broken(p2p.JoinRule):
    """Raises on the tenth request a node passes on."""

    name = "py_broken"

    def make_state(self):
        return [0]

    def on_join_request(self, node, request):
        node.state[0] += 1
        if node.state[0] == 10:
            return 1 / 0
        nxt = node.random_link(avoid=request.origin)
        return p2p.pass_to(nxt) if nxt is not None else p2p.accept


@p2p.register_rule
class AnswersNonsense(p2p.JoinRule):
    name = "py_nonsense"

    def on_join_request(self, node, request):
        return "yes"


@p2p.register_rule
class TakesItsOwnRequests(p2p.JoinRule):
    """Accepts every request, its own newcomer's and a second link to a peer included: the
    conformance checks must catch it."""

    name = "py_takes_all"

    def on_join_request(self, node, request):
        return p2p.accept
