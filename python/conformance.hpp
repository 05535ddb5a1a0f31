#pragma once
// Probes for the conformance checks of python/p2p/conformance.py: each runs a rule the way one
// test of sim/rule_conformance.hpp does (single nodes fed packets by hand, small grown networks)
// and hands back what it observed, so the checks themselves read as Python assertions.
#include <pybind11/pybind11.h>

namespace p2p::python {

void bind_conformance(pybind11::module_& m);

}  // namespace p2p::python
