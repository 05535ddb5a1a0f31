#include "py_rule.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/join_rule.hpp"
#include "protocol/node_context.hpp"
#include "sim/address.hpp"

namespace py = pybind11;

namespace p2p::python {
namespace {

// What on_join_request answers.
struct Answer {
  enum class Kind { Accept, Drop, PassTo };
  Kind kind = Kind::Drop;
  ConnId conn = 0;  // PassTo: the link's connection
};

// A neighbour as a Python rule sees it: the peer's node index and the connection to it.
struct LinkView {
  std::uint32_t peer = 0;
  ConnId conn = 0;
};

LinkView view_of(const NodeContext& n, const Link& l) {
  return {sim::index_of(n.address_of(l)), n.conn_of(l)};
}

// A JOIN_REQ as a Python rule sees it (a copy: the rule cannot change the packet).
struct RequestView {
  std::uint32_t origin = 0;  // the newcomer's node index
  int hops = 0;              // hops walked so far
  std::uint32_t degree = 0;  // the degree of the node that passed it on
  std::uint64_t id = 0;
};

// A node's per-node state for a Python rule: whatever make_state() returned.
struct PyState final : RuleState {
  explicit PyState(py::object o) : value(std::move(o)) {}
  ~PyState() override {
    if (!Py_IsInitialized()) {
      value.release();  // the interpreter is gone: nothing left to free it in
      return;
    }
    py::gil_scoped_acquire locked;
    value = py::object();
  }
  py::object value;
};

class PyRule;

// The node during one call of on_join_request. Valid only during that call: afterwards every
// method raises RuntimeError, so a rule that keeps it by mistake learns at once.
struct NodeView {
  NodeContext* node = nullptr;
  const PyRule* rule = nullptr;
  NodeContext& at() const {
    if (node == nullptr)
      throw std::runtime_error("a node view is valid only during the call it was given to");
    return *node;
  }
};

class PyRule final : public JoinRule {
 public:
  PyRule(const RuleParams& params, py::object impl, bool has_state)
      : JoinRule(params),
        impl_(std::move(impl)),
        on_join_request_(impl_.attr("on_join_request")),
        has_state_(has_state) {}
  ~PyRule() override {
    if (!Py_IsInitialized()) {
      impl_.release();
      on_join_request_.release();
      return;
    }
    py::gil_scoped_acquire locked;
    impl_ = py::object();
    on_join_request_ = py::object();
  }

  void on_join_request(NodeContext& node, ConnId, const Link*, Packet& request) const override {
    Answer answer;
    {
      py::gil_scoped_acquire locked;
      auto view = std::make_unique<NodeView>(NodeView{&node, this});
      NodeView* raw = view.get();
      py::object pyview = py::cast(std::move(view));
      const RequestView req{sim::index_of(request.origin), request.hops, request.degree,
                            request.id};
      py::object result;
      try {
        result = on_join_request_(pyview, req);
      } catch (...) {
        raw->node = nullptr;
        throw;
      }
      raw->node = nullptr;
      try {
        answer = result.cast<Answer>();
      } catch (const py::cast_error&) {
        throw py::type_error(name() + ".on_join_request returned " +
                             std::string(py::str(py::repr(result))) +
                             ", not p2p.accept, p2p.drop or p2p.pass_to(link)");
      }
    }
    switch (answer.kind) {
      case Answer::Kind::Accept:
        node.accept(request);
        return;
      case Answer::Kind::PassTo: {
        const Link* next = node.find_link(answer.conn);
        if (next == nullptr)
          throw std::invalid_argument(name() + ".on_join_request passed the request to a link " +
                                      "the node no longer holds");
        // The hop limit holds whatever the rule answers.
        if (request.hops >= node.config().max_hops) {
          node.note(NoteKind::JoinDroppedHops, request.origin, request.id);
          return;
        }
        node.pass_on(*next, std::move(request));
        return;
      }
      case Answer::Kind::Drop:
        node.note(request.hops >= node.config().max_hops ? NoteKind::JoinDroppedHops
                                                         : NoteKind::JoinDroppedNoLink,
                  request.origin, request.id);
        return;
    }
  }

  bool has_state() const { return has_state_; }

  std::unique_ptr<RuleState> make_state() const override {
    if (!has_state_) return nullptr;
    py::gil_scoped_acquire locked;
    return std::make_unique<PyState>(impl_.attr("make_state")());
  }

 private:
  py::object impl_;
  py::object on_join_request_;
  bool has_state_;
};

// The rule's parameter values as keyword arguments for its class.
py::dict param_values(const RuleParams& params) {
  py::dict d;
  for (const RuleParam& p : params.declared()) {
    if (p.kind == RuleParam::Kind::Integer)
      d[py::str(p.name)] = params.integer(p.name);
    else
      d[py::str(p.name)] = params.real(p.name);
  }
  return d;
}

// A declared parameter from its default: an int is an integer parameter, a float a real one.
RuleParam declare(const std::string& rule, const std::string& name, const py::handle& value) {
  const std::string help = "parameter of the Python rule " + rule;
  if (py::isinstance<py::bool_>(value) ||
      !(py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)))
    throw std::invalid_argument("rule " + rule + ": parameter " + name +
                                " must default to an int or a float");
  if (py::isinstance<py::int_>(value)) {
    constexpr long long big = 1LL << 53;
    return RuleParam::integer(name, value.cast<long long>(), -big, big, help);
  }
  constexpr double big = std::numeric_limits<double>::max();
  return RuleParam::real(name, value.cast<double>(), -big, big, help);
}

}  // namespace

void register_python_rule(const py::object& cls) {
  if (!py::hasattr(cls, "name") || !py::isinstance<py::str>(cls.attr("name")))
    throw std::invalid_argument("a Python join rule needs a class attribute name (a str)");
  if (!py::hasattr(cls, "on_join_request"))
    throw std::invalid_argument("a Python join rule needs an on_join_request(node, request)");
  RuleInfo info;
  info.name = cls.attr("name").cast<std::string>();
  info.summary = py::hasattr(cls, "summary") ? py::str(cls.attr("summary")).cast<std::string>()
                                             : std::string("a join rule written in Python");
  if (info.summary.empty()) info.summary = "a join rule written in Python";
  if (py::hasattr(cls, "params"))
    for (auto [k, v] : cls.attr("params").cast<py::dict>())
      info.params.push_back(declare(info.name, py::str(k), v));
  // The class is looked up by name each time a rule is made (p2p._make_python_rule), so a
  // notebook cell run again replaces it; the registry itself keeps no Python object, as it
  // outlives the interpreter.
  info.make = [name = info.name](const RuleParams& p) -> std::unique_ptr<JoinRule> {
    py::gil_scoped_acquire locked;
    py::object impl = py::module_::import("p2p").attr("_make_python_rule")(name, **param_values(p));
    const bool has_state = py::hasattr(impl, "make_state") && !impl.attr("make_state").is_none();
    return std::make_unique<PyRule>(p, std::move(impl), has_state);
  };
  register_rule(std::move(info));
}

void bind_rule_api(py::module_& m) {
  py::class_<Answer>(m, "Answer",
                     "What on_join_request answers: p2p.accept, p2p.drop, "
                     "p2p.pass_to(link)")
      .def("__repr__", [](const Answer& a) {
        switch (a.kind) {
          case Answer::Kind::Accept:
            return std::string("p2p.accept");
          case Answer::Kind::Drop:
            return std::string("p2p.drop");
          default:
            return "p2p.pass_to(<link " + std::to_string(a.conn) + ">)";
        }
      });
  m.attr("accept") = Answer{Answer::Kind::Accept, 0};
  m.attr("drop") = Answer{Answer::Kind::Drop, 0};
  m.def(
      "pass_to",
      [](const LinkView& l) {
        return Answer{Answer::Kind::PassTo, l.conn};
      },
      py::arg("link"), "Pass the request on over `link`, one hop further.");

  py::class_<LinkView>(m, "Link", "One of the node's links: the peer's node index")
      .def_readonly("peer", &LinkView::peer)
      .def("__repr__",
           [](const LinkView& l) { return "<link to " + std::to_string(l.peer) + ">"; });

  py::class_<RequestView>(m, "JoinRequest", "A JOIN_REQ: the newcomer, hops walked, id")
      .def_readonly("origin", &RequestView::origin)
      .def_readonly("hops", &RequestView::hops)
      .def_readonly("degree", &RequestView::degree)
      .def_readonly("id", &RequestView::id);

  py::class_<NodeView>(m, "NodeView", "The node running the rule, during one call")
      .def_property_readonly("index",
                             [](const NodeView& v) { return sim::index_of(v.at().self()); })
      .def_property_readonly("degree", [](const NodeView& v) { return v.at().degree(); })
      .def_property_readonly("links",
                             [](const NodeView& v) {
                               std::vector<LinkView> out;
                               for (const Link& l : v.at().links())
                                 out.push_back(view_of(v.at(), l));
                               return out;
                             })
      .def_property_readonly("below_cap", [](const NodeView& v) { return v.at().below_cap(); })
      .def_property_readonly("max_hops", [](const NodeView& v) { return v.at().config().max_hops; })
      .def_property_readonly(
          "now_s", [](const NodeView& v) { return static_cast<double>(v.at().now()) / kSecond; })
      .def(
          "linked_to",
          [](const NodeView& v, std::uint32_t peer) {
            return v.at().linked_to(sim::address_of(peer));
          },
          py::arg("peer"))
      .def(
          "may_link",
          [](const NodeView& v, std::uint32_t peer) {
            NodeContext& n = v.at();
            const Address a = sim::address_of(peer);
            return a != n.self() && !n.linked_to(a) && n.below_cap();
          },
          py::arg("peer"),
          "Not ourselves, not linked already, below the cap: whether a link to `peer` may be "
          "added.")
      .def(
          "random", [](const NodeView& v) { return v.at().rng().uniform(); },
          "A uniform number in [0, 1) from the node's own generator (the run stays "
          "reproducible).")
      .def(
          "random_below", [](const NodeView& v, std::uint64_t n) { return v.at().rng().below(n); },
          py::arg("n"), "A uniform integer in [0, n) from the node's own generator.")
      .def(
          "random_link",
          [](const NodeView& v, std::optional<std::uint32_t> avoid) -> std::optional<LinkView> {
            NodeContext& n = v.at();
            const Address a = avoid ? sim::address_of(*avoid) : Address{};
            const Link* l = n.random_link(avoid ? &a : nullptr);
            if (l == nullptr) return std::nullopt;
            return view_of(n, *l);
          },
          py::arg("avoid") = py::none(),
          "A uniformly chosen link, not to `avoid`; None when there is none.")
      .def_property(
          "state",
          [](const NodeView& v) -> py::object {
            NodeContext& n = v.at();
            if (!v.rule->has_state()) return py::none();
            return n.state<PyState>().value;
          },
          [](const NodeView& v, py::object value) {
            NodeContext& n = v.at();
            if (!v.rule->has_state())
              throw py::attribute_error("the rule keeps no per-node state: define make_state()");
            n.state<PyState>().value = std::move(value);
          },
          "This node's own state, made by the rule's make_state() on first use.");
}

}  // namespace p2p::python
