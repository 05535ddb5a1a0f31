// `p2p sim`: one run of a described network (or replications over seeds), its report written to
// --out. Flags map onto the experiment layer's run description; this file is the flag table and
// the printing.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include "campaign_launch.hpp"
#include "experiment/campaign.hpp"
#include "experiment/mpi_launch.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/progress.hpp"
#include "experiment/run.hpp"
#include "experiment/seeds.hpp"
#include "experiment/stop.hpp"
#include "run_flags.hpp"
#if P2P_HAVE_MPI
#include "experiment/mpi_shard.hpp"
#endif

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;
namespace fs = std::filesystem;

struct SimFlags {
  ex::RunSettings settings;
  std::uint64_t seed = 1;
  std::string seeds;  // "A..B": replications
  std::uint32_t service_time_us = 0;
  std::uint64_t fan_out_from = sim::NetworkOptions{}.fan_outs_from;
  bool shard_network = false;
  OutputFlags output;
};

void run_replications(CLI::App* cmd, const SimFlags& f, const ex::RunDescription& d) {
  auto load = [&] {
    ex::Campaign c;
    c.command = "sim";
    c.seeds = ex::parse_seed_range(f.seeds);
    c.points.push_back({{}, d});
    c.manifest = {"p2p sim", d.options(), {}, std::nullopt, f.seeds, d.file_name, d.file_text};
    return c;
  };
  ex::CampaignSettings s{f.output.out, f.output.jobs, f.output.force, f.output.quiet};
  // Under mpirun the seeds are spread over the ranks; rank 0 alone writes and prints.
  const std::optional<LaunchedCampaign> run = run_campaign_launched(cmd, load, s, "--jobs", "");
  if (!run) return;
  const ex::Campaign& c = run->campaign;
  const ex::CampaignResult& r = run->result;
  ex::write_campaign_tables(c, r, f.output.out);
  if (f.output.quiet) return;
  std::cout << ex::runs_csv(c, r);
  std::cerr << "p2p sim: " << r.ran << " runs on " << r.threads << " " << run->workers
            << (r.skipped ? ", " + std::to_string(r.skipped) + " reused from before" : "")
            << "; wrote " << (fs::path(f.output.out) / "runs.csv").string()
            << " and aggregate.csv\n";
}

// With `shard`, this is rank 0 of a run split over ranks, the folder already prepared; `note`
// says how the ranks met.
void run_once(const SimFlags& f, const ex::RunDescription& d, sim::ShardExchange* shard = nullptr,
              const std::function<std::string()>& note = {}) {
  const ex::Manifest m{"p2p sim", d.options(), {}, f.seed, "", d.file_name, d.file_text};
  const fs::path out(f.output.out);
  if (shard == nullptr)
    as_usage([&] { return ex::prepare_output(out, ex::to_json(m), f.output.force); });
  ex::install_stop_handlers();
  const fs::path partial = out / ".sim.partial";
  fs::remove_all(partial);
  ex::ProgressLine line("sim", !f.output.quiet);
  const auto start = std::chrono::steady_clock::now();
  ex::RunHooks hooks;
  hooks.progress = [&](const sim::Network& n) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    line.show(ex::simulation_progress(n, d.scenario.planned_end(), wall));
  };
  hooks.analysing = [&](std::size_t nodes) {
    line.show("analysing the graph of " + std::to_string(nodes) + " nodes", true);
  };
  hooks.snapshot_dir = partial / "snapshots";
  hooks.shard = shard;
  ex::RunResult r;
  try {
    r = ex::run(d, f.seed, hooks);
    ex::write_run(partial, r);
    ex::write_file(partial / "manifest.json", ex::to_json(m));
  } catch (const ex::Stopped&) {
    fs::remove_all(partial);
    line.clear();
    ex::exit_stopped("p2p sim: stopped; nothing was written to " + f.output.out);
  } catch (...) {
    fs::remove_all(partial);
    throw;
  }
  line.clear();
  ex::commit_folder(partial, out);
  if (f.output.quiet) return;
  analysis::print_summary(std::cout, r.report);
  for (const std::string& note : ex::omitted_metrics(d, r.report))
    std::cerr << "p2p sim: " << note << "\n";
  std::cerr << "p2p sim: simulated " << r.events << " events in " << r.sim_seconds
            << " s, analysed in " << r.analysis_seconds << " s; wrote " << f.output.out
            << "/ (simulation CPU time " << r.sim_cpu_seconds << " s, " << r.peak_pending
            << " events pending at most";
  if (r.fanned_copies > 0)
    std::cerr << ", " << r.fanned_copies << " flood copies waited in fan-out entries";
  std::cerr << ", peak memory " << std::lround(r.sim_peak_mib) << " MiB by then; "
            << (d.settings.signing ? "signed: every node signed and checked with its own key"
                                   : "nothing signed: --signed signs as real peers do")
            << ")\n";
  if (note) std::cerr << "p2p sim: " << note() << "\n";
}

// `mpirun -np R p2p sim --shard-network ...`: one run split over the ranks (experiment/mpi_shard).
void run_sharded(const SimFlags& f, const ex::RunDescription& d) {
  if (!f.seeds.empty())
    throw UsageError("--shard-network splits one run: give --seed, not --seeds");
  if (ex::mpi_launch_size() == 0)
    throw UsageError("--shard-network splits one run over MPI ranks: start it with mpirun -np R");
#if P2P_HAVE_MPI
  if (const std::string why = ex::shard_refusal(d); !why.empty()) throw UsageError(why);
  ex::MpiSession mpi;
  ex::MpiShardExchange exchange(mpi);
  // Rank 0 alone writes: it checks the folder before any rank simulates.
  std::string refused;
  if (mpi.rank() == 0) {
    const ex::Manifest m{"p2p sim", d.options(), {}, f.seed, "", d.file_name, d.file_text};
    try {
      ex::prepare_output(f.output.out, ex::to_json(m), f.output.force);
    } catch (const std::exception& e) {
      refused = e.what();
    }
  }
  if (!mpi.all(refused.empty())) {
    if (mpi.rank() == 0) throw UsageError(refused);
    return;
  }
  if (mpi.rank() != 0) {
    ex::RunHooks hooks;
    hooks.progress = [](const sim::Network&) { ex::throw_if_stopped(); };
    hooks.shard = &exchange;
    ex::run(d, f.seed, hooks);
    return;
  }
  run_once(f, d, &exchange, [&] {
    return "split over " + std::to_string(mpi.size()) +
           " ranks: " + std::to_string(exchange.windows()) + " windows; rank 0 sent " +
           std::to_string(exchange.bytes_sent()) + " bytes and spent " +
           std::to_string(exchange.exchange_seconds()) + " s in exchanges (" +
           std::to_string(exchange.exchange_cpu_seconds()) + " s of CPU time)";
  });
#else
  (void)d;
  throw UsageError("--shard-network needs MPI: this p2p was built without it");
#endif
}

void run_sim(CLI::App* cmd, const SimFlags& f) {
  refuse_ignored(cmd, f.settings);
  refuse_together(cmd, "--seed", "--seeds", "give one seed or a range, not both");
  if (cmd->count("--jobs") > 0 && f.seeds.empty())
    throw UsageError("--jobs needs --seeds: a single run uses one thread");
  if (f.shard_network) {
    ex::RunDescription d = as_usage([&] { return ex::describe(f.settings); });
    d.network.service_time = f.service_time_us;
    return run_sharded(f, d);
  }
  if (f.seeds.empty())
    refuse_on_ranks("one run is one process's work; give --seeds A..B to spread runs over ranks");
  ex::RunDescription d = as_usage([&] { return ex::describe(f.settings); });
  d.network.service_time = f.service_time_us;
  d.network.fan_outs_from = f.fan_out_from;
  if (!f.seeds.empty())
    run_replications(cmd, f, d);
  else
    run_once(f, d);
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Simulate the default scenario: node 0 is the entry; a newcomer arrives every "
      "--arrival-interval and sends --join-requests JOIN_REQs to node 0; after the last arrival "
      "the network drains and one chat message is flooded from a random node. Prints the "
      "topology summary and writes the CSV report and manifest.json to --out.");
  cmd->add_option("--seed,-s", flags->seed,
                  "Root seed: the same seed and options give the same bytes")
      ->capture_default_str();
  cmd->add_option("--seeds", flags->seeds,
                  "Replications A..B: one run per seed into OUT/seed=S/, then OUT/runs.csv and "
                  "OUT/aggregate.csv; run again to resume after an interruption; under mpirun the "
                  "runs are spread over the ranks");
  cmd->add_option("--rule", flags->settings.rule,
                  "Join rule NAME[:KEY=VALUE,...], one of: " + ex::known_rules() +
                      " (docs/join-rules.md; `p2p rules` lists them); seed is the blog post's "
                      "code, flaws included. Rules joined by '+' with shares after '@' mix in "
                      "one network (\"seed+hyparview@20%\"), split by group in groups.csv")
      ->capture_default_str();
  add_protocol_flags(cmd, flags->settings);
  cmd->add_flag("--signed", flags->settings.signing,
                "Every node signs its chat messages, JOIN_REQs and JOIN_ACKs with an Ed25519 key "
                "of its own (derived from the seed) and checks what it receives, as real peers "
                "do; the same topology, more CPU time (docs/security.md)");
  add_network_flags(cmd, flags->settings);
  cmd->add_option("--service-time", flags->service_time_us,
                  "Microseconds a node takes to handle each event, one at a time: an event that "
                  "arrives while its node is busy waits, and what the node sends leaves when it "
                  "has finished (a real peer's per-hop processing; docs/reality-gap.md)")
      ->check(CLI::Range(0u, 10'000'000u))
      ->capture_default_str();
  cmd->add_option("--fan-out-from", flags->fan_out_from,
                  "Once this many events are pending, the copies a node floods of a message wait "
                  "as one queue entry for up to twelve of them instead of an event each: far less "
                  "memory at a flood's peak, more time (each copy then reads its sender's links "
                  "too). 0: from the first copy; a number above the run's peak: never. The output "
                  "is the same whatever the number (docs/performance.md). Runs with "
                  "--service-time or --shard-network always use an event per copy")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 62))
      ->capture_default_str();
  cmd->add_flag("--shard-network", flags->shard_network,
                "Under mpirun -np R: split this one run over the R ranks (node i on rank i mod "
                "R), writing the folder one process writes, byte for byte; covers arrivals and "
                "the final flood (docs/distributed.md)");
  add_analysis_flags(cmd, flags->settings.analysis);
  add_output_flags(cmd, flags->output, "--jobs,-j",
                   "Output folder: the run's report, or with --seeds one folder per seed");
  cmd->callback([cmd, flags] { run_sim(cmd, *flags); });
}

}  // namespace p2p::runner
