#include "analysis/spectral.hpp"

#include <Spectra/SymEigsShiftSolver.h>
#include <Spectra/SymEigsSolver.h>
#include <Eigen/Dense>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace p2p::analysis {
namespace {

constexpr std::size_t kDenseLimit = 400;
// O(n^3) time and O(n^2) memory: a last resort only while that stays about a second.
constexpr std::size_t kDenseFallbackLimit = 2500;
constexpr double kTolerance = 1e-12;
constexpr std::size_t kKrylovSize = 40;
// Multiply-adds spent by Lanczos at most: about ten seconds on one core.
constexpr double kWorkBudget = 1e10;

// y = c x - L x, projected off the all-ones vector, where L x = D x - A x; c bounds the spectrum
// so the operator is positive semidefinite and its largest eigenvalue is c - lambda_2.
class ShiftedLaplacian {
 public:
  using Scalar = double;
  ShiftedLaplacian(const Graph& g, double c) : g_(g), c_(c) {}
  Eigen::Index rows() const { return static_cast<Eigen::Index>(g_.node_count()); }
  Eigen::Index cols() const { return rows(); }
  void perform_op(const double* x, double* y) const {
    const std::size_t n = g_.node_count();
    const auto offsets = g_.offsets();
    const auto targets = g_.targets();
    double mean = 0;
    for (NodeId v = 0; v < n; ++v) {
      double adjacent = 0;
      for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) adjacent += x[targets[i]];
      const double degree = static_cast<double>(offsets[v + 1] - offsets[v]);
      y[v] = (c_ - degree) * x[v] + adjacent;
      mean += y[v];
    }
    mean /= static_cast<double>(n);
    for (NodeId v = 0; v < n; ++v) y[v] -= mean;
  }

 private:
  const Graph& g_;
  double c_;
};

Eigen::SparseMatrix<double> laplacian(const Graph& g) {
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(g.node_count() + g.targets().size());
  for (NodeId v = 0; v < g.node_count(); ++v) {
    entries.emplace_back(v, v, static_cast<double>(g.degree(v)));
    for (NodeId w : g.neighbors(v)) entries.emplace_back(v, w, -1.0);
  }
  const auto n = static_cast<Eigen::Index>(g.node_count());
  Eigen::SparseMatrix<double> m(n, n);
  m.setFromTriplets(entries.begin(), entries.end());
  return m;
}

// (L - sigma I)^{-1} x through one sparse LDLT factorisation, for Spectra's shift-invert mode.
class LaplacianShiftSolve {
 public:
  using Scalar = double;
  explicit LaplacianShiftSolve(Eigen::SparseMatrix<double> l) : l_(std::move(l)) {}
  Eigen::Index rows() const { return l_.rows(); }
  Eigen::Index cols() const { return l_.cols(); }
  void set_shift(double sigma) {
    Eigen::SparseMatrix<double> identity(l_.rows(), l_.cols());
    identity.setIdentity();
    solver_.compute(l_ - sigma * identity);
  }
  bool ok() const { return solver_.info() == Eigen::Success; }
  void perform_op(const double* x, double* y) const {
    Eigen::Map<const Eigen::VectorXd> in(x, l_.rows());
    Eigen::Map<Eigen::VectorXd> out(y, l_.rows());
    out = solver_.solve(in);
  }

 private:
  Eigen::SparseMatrix<double> l_;
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver_;
};

std::optional<double> dense(const Graph& g) {
  const auto n = static_cast<Eigen::Index>(g.node_count());
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(n, n);
  for (NodeId v = 0; v < g.node_count(); ++v) {
    l(v, v) = static_cast<double>(g.degree(v));
    for (NodeId w : g.neighbors(v)) l(v, w) = -1.0;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(l, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) return std::nullopt;
  return solver.eigenvalues()[1];
}

// Residual check of a claimed eigenpair of L restricted to the complement of the all-ones vector:
// Lanczos can report success on a degenerate spectrum (a complete graph) with a wrong pair.
bool is_eigenpair(const Graph& g, const Eigen::VectorXd& vector, double value) {
  Eigen::VectorXd v = vector.array() - vector.mean();
  const double norm = v.norm();
  if (!(norm > 0.5)) return false;  // a unit vector mostly along all-ones is not lambda_2's
  v /= norm;
  Eigen::VectorXd lv(v.size());
  for (NodeId u = 0; u < g.node_count(); ++u) {
    double sum = static_cast<double>(g.degree(u)) * v[u];
    for (NodeId w : g.neighbors(u)) sum -= v[w];
    lv[u] = sum;
  }
  return (lv - value * v).norm() <= 1e-8 * std::max(1.0, value);
}

std::optional<double> lanczos(const Graph& g) {
  std::size_t max_degree = 0;
  for (NodeId v = 0; v < g.node_count(); ++v) max_degree = std::max(max_degree, g.degree(v));
  const double c = 2.0 * static_cast<double>(max_degree);  // Gershgorin: lambda_max <= 2 d_max
  ShiftedLaplacian op(g, c);
  const auto ncv = static_cast<Eigen::Index>(std::min<std::size_t>(g.node_count(), kKrylovSize));
  Spectra::SymEigsSolver<ShiftedLaplacian> solver(op, 1, ncv);
  // Convergence depends on the gap between the two smallest non-zero eigenvalues relative to the
  // spread c; hubs make c large and the gap relatively tiny. Bound the work, not the tolerance.
  // One restart costs ncv products plus full reorthogonalisation, n * ncv^2.
  const double width = static_cast<double>(ncv);
  const double n = static_cast<double>(g.node_count());
  const double restart_cost =
      width * (n + static_cast<double>(g.targets().size())) + n * width * width;
  const auto restarts =
      static_cast<Eigen::Index>(std::clamp(kWorkBudget / restart_cost, 5.0, 1000.0));
  // A fixed start orthogonal to all-ones keeps the run deterministic and out of the null space.
  Eigen::VectorXd start(static_cast<Eigen::Index>(g.node_count()));
  for (Eigen::Index i = 0; i < start.size(); ++i)
    start[i] = std::sin(1.0 + 0.7 * static_cast<double>(i));
  start.array() -= start.mean();
  solver.init(start.data());
  solver.compute(Spectra::SortRule::LargestAlge, restarts, kTolerance);
  if (solver.info() != Spectra::CompInfo::Successful) return std::nullopt;
  const double value = std::max(0.0, c - solver.eigenvalues()[0]);
  if (!is_eigenpair(g, solver.eigenvectors().col(0), value)) return std::nullopt;
  return value;
}

std::optional<double> shift_invert(const Graph& g) {
  LaplacianShiftSolve op(laplacian(g));
  // A shift just below zero keeps L - sigma I positive definite; the two eigenvalues nearest to it
  // are 0 (the all-ones vector) and lambda_2.
  Spectra::SymEigsShiftSolver<LaplacianShiftSolve> solver(
      op, 2, static_cast<Eigen::Index>(std::min<std::size_t>(g.node_count(), 20)), -1e-3);
  if (!op.ok()) return std::nullopt;
  solver.init();
  solver.compute(Spectra::SortRule::LargestMagn, 1000, kTolerance);
  if (solver.info() != Spectra::CompInfo::Successful) return std::nullopt;
  const Eigen::VectorXd values = solver.eigenvalues();
  Eigen::Index at = 0;
  const double value = std::max(0.0, values.maxCoeff(&at));
  if (!is_eigenpair(g, solver.eigenvectors().col(at), value)) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> algebraic_connectivity(const Graph& g) {
  const std::size_t n = g.node_count();
  if (n < 2) return std::nullopt;
  if (n <= kDenseLimit) return dense(g);
  // Spectra throws when a Krylov space closes early, as on spectra with few distinct values
  // (complete or complete bipartite graphs); that is a failed method, not a failed report.
  auto attempt = [&g](auto method) -> std::optional<double> {
    try {
      return method(g);
    } catch (const std::runtime_error&) {
      return std::nullopt;
    }
  };
  // The LDLT factor of a tree-like graph has almost no fill-in, and such graphs (long paths) are
  // where Lanczos stalls: factor first there.
  const std::size_t cycles = g.edge_count() + 1 - n;
  if (cycles <= 64) {
    if (auto value = attempt(shift_invert)) return value;
  }
  if (auto value = attempt(lanczos)) return value;
  if (cycles > 64 && n <= 4000) {
    if (auto value = attempt(shift_invert)) return value;
  }
  if (n <= kDenseFallbackLimit) return dense(g);
  return std::nullopt;
}

}  // namespace p2p::analysis
