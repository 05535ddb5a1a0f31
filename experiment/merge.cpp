#include "experiment/merge.hpp"

#include <stdexcept>
#include <string>

#include "experiment/output_folder.hpp"
#include "experiment/study.hpp"

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

struct Slice {
  fs::path dir;
  Manifest manifest;
  Shard shard;
};

Slice read_slice(const fs::path& dir) {
  const std::string name = dir.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument(name + ": not a folder");
  const std::string json = read_file(dir / "manifest.json");
  if (json.empty())
    throw std::invalid_argument(name + ": no manifest.json, so not a campaign folder");
  Slice s;
  s.dir = dir;
  try {
    s.manifest = manifest_from_json(json);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(name + "/manifest.json: " + e.what());
  }
  if (s.manifest.shard.empty())
    throw std::invalid_argument(name +
                                ": not a slice (its manifest.json has no \"shard\"; "
                                "slices are written by p2p run --shard I/N)");
  try {
    s.shard = parse_shard(s.manifest.shard);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(name + "/manifest.json: bad shard " + s.manifest.shard);
  }
  return s;
}

std::string without_shard(Manifest m) {
  m.shard.clear();
  return to_json(m);
}

}  // namespace

MergeResult merge_shards(const std::vector<fs::path>& dirs, const CampaignSettings& settings) {
  if (dirs.empty()) throw std::invalid_argument("no slices to merge");
  std::vector<Slice> slices;
  for (const fs::path& d : dirs) {
    std::error_code ec;
    if (fs::equivalent(d, settings.out, ec))
      throw std::invalid_argument(d.string() +
                                  ": --out is one of the slices; merge into a "
                                  "folder of its own");
    slices.push_back(read_slice(d));
  }
  // The same study, the same N, every slice once.
  const std::string study = without_shard(slices.front().manifest);
  const std::size_t n = slices.front().shard.count;
  std::vector<const Slice*> by_index(n, nullptr);
  for (const Slice& s : slices) {
    if (without_shard(s.manifest) != study || s.shard.count != n)
      throw std::invalid_argument(s.dir.string() + " and " + slices.front().dir.string() +
                                  " are slices of different studies (their manifest.json "
                                  "differ beyond \"shard\")");
    if (by_index[s.shard.index])
      throw std::invalid_argument("slice " + s.manifest.shard + " is given twice: " +
                                  by_index[s.shard.index]->dir.string() + " and " + s.dir.string());
    by_index[s.shard.index] = &s;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!by_index[i])
      throw std::invalid_argument("slice " + std::to_string(i + 1) + "/" + std::to_string(n) +
                                  " is missing: give all " + std::to_string(n) + " slices");

  MergeResult m;
  const Manifest& first = slices.front().manifest;
  if (first.command != "p2p run" || first.file_name.empty())
    throw std::invalid_argument(slices.front().dir.string() +
                                ": only p2p run writes slices; this folder was written by " +
                                first.command);
  Campaign& c = m.campaign;
  c = load_study_text(first.file_name, first.file_text);
  if (to_json(folder_manifest(c, {})) != study)
    throw std::invalid_argument(first.file_name +
                                " no longer describes the same campaign here (a file it names "
                                "changed, or another p2p version): merge where it was run");

  // Every run of every slice is checked before anything is written.
  const std::size_t total = c.points.size() * c.seeds.size();
  CampaignResult& r = m.result;
  r.runs.resize(total);
  CampaignSettings s = settings;
  s.shard = {};
  std::vector<fs::path> sources(total);
  for (std::size_t i = 0; i < total; ++i) {
    const std::string name = run_folder_name(c, i / c.seeds.size(), c.seeds[i % c.seeds.size()]);
    const Slice& slice = *by_index[i % n];
    sources[i] = slice.dir / name;
    if (!read_finished_run(c, i, sources[i], r.runs[i]))
      throw std::invalid_argument(slice.dir.string() + ": run " + name +
                                  " is missing or incomplete; run slice " + slice.manifest.shard +
                                  " again to finish it");
  }
  const FolderState state = open_campaign_folder(c, s);
  for (std::size_t i = 0; i < total; ++i) {
    const fs::path dst = s.out / sources[i].filename();
    Metrics there;
    if (state == FolderState::SameRun && read_finished_run(c, i, dst, there) &&
        there == r.runs[i]) {
      ++r.skipped;
      continue;
    }
    const fs::path partial = partial_path(dst);
    fs::remove_all(partial);
    fs::copy(sources[i], partial, fs::copy_options::recursive);
    fs::remove_all(dst);
    fs::rename(partial, dst);
    ++r.ran;
  }
  write_campaign_tables(c, r, s.out);
  return m;
}

}  // namespace p2p::experiment
