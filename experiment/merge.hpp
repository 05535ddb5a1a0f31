#pragma once
// Assembling the slices of a campaign run as a job array (`p2p run STUDY --shard I/N --out
// DIR_I`, one array task each) into the folder one process would have written.
#include <filesystem>
#include <vector>

#include "experiment/campaign.hpp"

namespace p2p::experiment {

struct MergeResult {
  Campaign campaign;  // loaded back from the study text in the slices' manifests
  CampaignResult result;
};

// Checks that `slices` are the N slices of one study, each complete (every run folder with the
// manifest it would write), then copies their run folders into settings.out (reusing those
// already there from an earlier merge) and writes its manifest.json, runs.csv and aggregate.csv:
// byte for byte what `p2p run STUDY` writes. The slices are left as they were. Throws
// std::invalid_argument (one line, naming the folder) when they are not.
MergeResult merge_shards(const std::vector<std::filesystem::path>& slices,
                         const CampaignSettings& settings);

}  // namespace p2p::experiment
