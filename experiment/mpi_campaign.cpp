#include "experiment/mpi_campaign.hpp"

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "experiment/output_folder.hpp"
#include "experiment/progress.hpp"
#include "experiment/stop.hpp"

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

// A rank asks rank 0 for work with a report on its last run; rank 0 answers with a run index,
// or -1 when there is nothing left.
constexpr int kReportTag = 1;
constexpr int kWorkTag = 2;
// Reports: "R" ready; "D<index>\n<metrics>" done; "E<index>\n<message>" failed; "S" stopped.

void send_text(const std::string& text, int to) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, kReportTag, MPI_COMM_WORLD);
}

void worker(const Campaign& c, const fs::path& out) {
  std::string report = "R";
  for (;;) {
    send_text(report, 0);
    long long i = -1;
    MPI_Recv(&i, 1, MPI_LONG_LONG, 0, kWorkTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (i < 0) return;
    const std::size_t run = static_cast<std::size_t>(i);
    // Built by appends (GCC 12 warns wrongly about operator+ chains here).
    auto tagged = [&](char tag, const std::string& body) {
      report.assign(1, tag);
      report += std::to_string(run);
      report += '\n';
      report += body;
    };
    try {
      tagged('D', format_metrics(execute_run(c, run, out)));
    } catch (const Stopped&) {
      report = "S";
    } catch (const std::exception& e) {
      tagged('E', e.what());
    }
  }
}

// Rank 0's bookkeeping: the runs left, the first failure, whether to stop.
struct Dispatcher {
  const Campaign& c;
  std::vector<std::size_t> todo;
  std::mutex mutex;
  std::size_t next = 0;
  std::string error;
  bool stopping = false;

  std::optional<std::size_t> take() {
    std::lock_guard lock(mutex);
    if (!error.empty() || stopping || stop_requested() || next == todo.size()) return {};
    return todo[next++];
  }
  void fail(int rank, std::size_t run, const std::string& what) {
    std::lock_guard lock(mutex);
    if (error.empty())
      error = "rank " + std::to_string(rank) + ", run " +
              run_folder_name(c, run / c.seeds.size(), c.seeds[run % c.seeds.size()]) + ": " + what;
  }
};

}  // namespace

MpiSession::MpiSession() {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool MpiSession::all(bool ok) const {
  int mine = ok ? 1 : 0, every = 0;
  MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return every == 1;
}

std::optional<CampaignResult> run_campaign_mpi(const MpiSession& mpi, const Campaign& c,
                                               const CampaignSettings& s) {
  // Rank 0 plans; the others wait to hear whether the folder can be used.
  CampaignResult r;
  Dispatcher d{c, {}, {}, 0, {}, false};
  std::string refused;
  if (mpi.rank() == 0) {
    try {
      d.todo = plan_runs(c, s, r);
    } catch (const std::invalid_argument& e) {
      refused = e.what();
    }
  }
  int usable = refused.empty() ? 1 : 0;
  MPI_Bcast(&usable, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!usable) {
    if (mpi.rank() == 0) throw std::invalid_argument(refused);
    return std::nullopt;
  }
  if (mpi.rank() != 0) {
    install_stop_handlers();
    worker(c, s.out);
    return std::nullopt;
  }

  const std::size_t total = d.todo.size() + r.skipped;
  std::atomic<std::size_t> done{r.skipped};
  ProgressLine line(c.command, !s.quiet);
  auto show = [&] {
    line.show(std::to_string(done.load()) + " / " + std::to_string(total) + " runs done on " +
                  std::to_string(mpi.size()) + " ranks" +
                  (r.skipped ? ", " + std::to_string(r.skipped) + " reused" : std::string()),
              true);
  };
  // Rank 0 runs too, on a thread that never calls MPI.
  std::thread local([&] {
    while (const std::optional<std::size_t> i = d.take()) {
      try {
        r.runs[*i] = execute_run(c, *i, s.out);
        ++done;
        show();
      } catch (const Stopped&) {
        return;
      } catch (const std::exception& e) {
        d.fail(0, *i, e.what());
        return;
      }
    }
  });
  int active = mpi.size() - 1;
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> stop_seen;
  while (active > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kReportTag, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      // A rank that was killed never reports; once stopping, the others get a few seconds.
      if (stop_requested() && !stop_seen) stop_seen = Clock::now();
      if (stop_seen && Clock::now() - *stop_seen > std::chrono::seconds(5)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    int length = 0;
    MPI_Get_count(&st, MPI_CHAR, &length);
    std::string msg(static_cast<std::size_t>(length), '\0');
    MPI_Recv(msg.data(), length, MPI_CHAR, st.MPI_SOURCE, kReportTag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    const std::size_t newline = msg.find('\n');
    const std::size_t run =
        newline == std::string::npos ? 0 : std::stoull(msg.substr(1, newline - 1));
    if (msg[0] == 'D') {
      try {
        r.runs[run] = parse_metrics(msg.substr(newline + 1));
        ++done;
        show();
      } catch (const std::invalid_argument& e) {
        d.fail(st.MPI_SOURCE, run, e.what());
      }
    } else if (msg[0] == 'E') {
      d.fail(st.MPI_SOURCE, run, msg.substr(newline + 1));
    } else if (msg[0] == 'S') {
      std::lock_guard lock(d.mutex);
      d.stopping = true;
    }
    const std::optional<std::size_t> next = d.take();
    const long long work = next ? static_cast<long long>(*next) : -1;
    MPI_Send(&work, 1, MPI_LONG_LONG, st.MPI_SOURCE, kWorkTag, MPI_COMM_WORLD);
    if (!next) --active;
  }
  if (active > 0) {
    // Some rank never answered: do not wait for it in MPI_Finalize either.
    request_stop();
    local.join();
    line.clear();
    exit_stopped(stopped_message(c, done.load(), total, s.out) + " (" + std::to_string(active) +
                 " of " + std::to_string(mpi.size() - 1) + " other ranks ended without reporting)");
  }
  local.join();
  line.clear();
  if (!d.error.empty()) throw std::runtime_error(d.error);
  if (d.stopping || stop_requested()) {
    MPI_Finalize();
    exit_stopped(stopped_message(c, done.load(), total, s.out));
  }
  r.ran = d.todo.size();
  r.threads = static_cast<unsigned>(mpi.size());
  return r;
}

}  // namespace p2p::experiment
