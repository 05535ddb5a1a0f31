#pragma once
// Algebraic connectivity: how well a connected graph resists being cut in two.
#include <optional>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Second-smallest eigenvalue of the Laplacian of a connected graph with >= 2 nodes. Small graphs
// are solved densely; larger ones with Spectra's Lanczos solver on cI - L restricted to the
// vectors orthogonal to the all-ones vector, falling back to shift-invert (a sparse LDLT) when
// Lanczos stalls on a near-degenerate spectrum and the factor stays cheap (small or tree-like
// graphs). Empty when no method converged: the value is omitted rather than guessed.
std::optional<double> algebraic_connectivity(const Graph& g);

}  // namespace p2p::analysis
