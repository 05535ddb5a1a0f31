#include "experiment/metrics.hpp"

#include <array>

namespace p2p::experiment {
namespace {

constexpr std::array<MetricDefinition, 33> kMetrics{{
    {"events", "count", "events handed to live nodes", "always"},
    {"virtual_time_s", "s",
     "virtual time the summary describes: the end the scenario sets, else "
     "when no event was left",
     "always"},
    {"join_requests_sent", "count", "JOIN_REQs newcomers sent to their entry (first hop)",
     "always"},
    {"join_requests_accepted", "count", "JOIN_REQs accepted, each making one link", "always"},
    {"join_requests_dropped", "count",
     "JOIN_REQs dropped at the hop limit or at a node with no neighbour to pass them to", "always"},
    {"join_request_hops", "count", "times a JOIN_REQ was passed on between neighbours", "always"},
    {"flood_origin", "node", "the node the final chat message was flooded from",
     "a final flood ran"},
    {"flood_coverage", "fraction",
     "nodes that delivered the final flood's message over the live nodes other than its origin "
     "when it was said",
     "a final flood ran and some other node was alive"},
    {"flood_messages", "count", "copies of the final flood's message sent over links",
     "a final flood ran"},
    {"flood_duplicates", "count", "copies of it that reached a node that had already seen it",
     "a final flood ran"},
    {"flood_time_s", "s", "virtual time when the final flood's last copy arrived",
     "a final flood ran after an end_s the scenario set"},
    {"nodes_ever", "count", "nodes that took part: the live ones and every one that left",
     "some node left or crashed"},
    {"departures", "count", "graceful leaves", "some node left or crashed"},
    {"crashes", "count", "nodes that stopped without a word", "some node left or crashed"},
    {"packets_lost", "count", "packets dropped by the loss probability", "loss > 0"},
    {"packets_cut", "count", "packets dropped crossing a partition", "a partition cut a packet"},
    {"adversary_link_share", "fraction",
     "of the link ends honest live nodes hold, the share whose far end is an attacker (a rule "
     "marked adversary), at the end the summary describes",
     "attackers in the network and an honest node with a link"},
    {"honest_delivery_ratio", "fraction",
     "over the finished broadcasts said by honest nodes, deliveries at honest nodes over the "
     "honest nodes alive (the author excluded) when each was said",
     "attackers in the network and an honest broadcast that finished"},
    {"injected_deliveries", "count",
     "deliveries at honest nodes of messages no scenario said: an attacker's injected or spoofed "
     "ids",
     "attackers in the network"},
    {"forged_packets", "count",
     "packets dropped because their signature, or a message's id, does not hold for the key "
     "they name: forged messages, JOIN_REQs and JOIN_ACKs",
     "a signed run (p2p sim --signed); its presence says the run signed"},
    {"duplicate_links", "links",
     "links doubled between the same two nodes (the graph keeps one); equals "
     "duplicate_edges_dropped",
     "comparison measures"},
    {"degree_stddev", "links", "population standard deviation of the degrees",
     "comparison measures, a non-empty graph"},
    {"entry_link_share", "fraction", "node 0's degree over the number of edges",
     "comparison measures, a graph with edges"},
    {"messages_per_delivery", "count", "flood_messages over the nodes that delivered it",
     "comparison measures, a delivered flood"},
    {"join_hops_per_accept", "hops", "join_request_hops over join_requests_accepted",
     "comparison measures, an accepted JOIN_REQ"},
    {"lcc_random_10", "fraction",
     "largest component fraction after removing 10% of the nodes at random (mean over the "
     "resilience runs)",
     "comparison measures"},
    {"lcc_random_30", "fraction", "the same after removing 30% at random", "comparison measures"},
    {"lcc_random_50", "fraction", "the same after removing 50% at random", "comparison measures"},
    {"lcc_degree_10", "fraction",
     "largest component fraction after removing the 10% highest-degree nodes",
     "comparison measures"},
    {"lcc_degree_30", "fraction", "the same after removing the 30% highest-degree nodes",
     "comparison measures"},
    {"lcc_degree_50", "fraction", "the same after removing the 50% highest-degree nodes",
     "comparison measures"},
    {"lcc_after_crash", "fraction",
     "largest component fraction of the live nodes after the crash and repair of the second "
     "run",
     "comparison measures with crash > 0"},
    {"flood_coverage_after_crash", "fraction",
     "flood_coverage of the final flood of the second run (after the crash and repair)",
     "comparison measures with crash > 0"},
}};

}  // namespace

std::span<const MetricDefinition> simulation_metrics() {
  return kMetrics;
}

const MetricDefinition* find_metric(std::string_view name) {
  for (const MetricDefinition& m : kMetrics)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace p2p::experiment
