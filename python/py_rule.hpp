#pragma once
// A join rule written in Python: a class with on_join_request(node, request) returning
// p2p.accept, p2p.drop or p2p.pass_to(link), optional per-node state (make_state) and parameters
// (a class attribute `params`, name -> default). Registered by name like a C++ rule, so specs,
// `p2p.simulate(rule=...)` and campaigns name it the same way; each call takes the interpreter's
// lock, so a Python rule runs one node at a time whatever the number of threads.
#include <pybind11/pybind11.h>

namespace p2p::python {

// Registers `cls` under cls.name; throws std::invalid_argument (a ValueError) as register_rule
// does, or when the class does not have the shape above.
void register_python_rule(const pybind11::object& cls);

// The bindings of the objects a Python rule sees (the node's view, a request, a link, the three
// answers) into `m`.
void bind_rule_api(pybind11::module_& m);

}  // namespace p2p::python
