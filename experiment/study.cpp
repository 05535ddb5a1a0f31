#include "experiment/study.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "experiment/output_folder.hpp"
#include "experiment/seeds.hpp"

#if P2P_HAVE_TOML
#include <toml++/toml.h>
#endif

namespace p2p::experiment {
namespace fs = std::filesystem;

#if P2P_HAVE_TOML
namespace {

using Assignment = std::vector<std::pair<std::string, const toml::node*>>;

std::string value_text(const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* f = n.as_floating_point()) return analysis::format_number(f->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });
  return os.str();
}

// The leaves of `t` as dotted keys, in the order they appear in the file.
void flatten(const toml::table& t, const std::string& prefix,
             std::vector<std::pair<std::string, const toml::node*>>& out) {
  std::vector<std::pair<std::string, const toml::node*>> here;
  for (auto&& [k, v] : t) here.emplace_back(prefix + std::string(k.str()), &v);
  std::stable_sort(here.begin(), here.end(), [](const auto& a, const auto& b) {
    return a.second->source().begin < b.second->source().begin;
  });
  for (const auto& [k, v] : here) {
    if (const toml::table* sub = v->as_table())
      flatten(*sub, k + ".", out);
    else
      out.emplace_back(k, v);
  }
}

void assign(toml::table& root, const std::string& key, const toml::node& value) {
  toml::table* t = &root;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    const std::string part = key.substr(start, dot - start);
    if (!t->contains(part)) t->insert(part, toml::table{});
    t = (*t)[part].as_table();
    if (!t) throw std::invalid_argument("sweep key '" + key + "': '" + part + "' is not a table");
  }
  const std::string leaf = key.substr(start);
  value.visit([&](auto&& v) { t->insert_or_assign(leaf, v); });
}

std::vector<Assignment> sweep_points(const std::string& name, const toml::table& sweep) {
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(sweep, "", leaves);
  auto fail = [&](const toml::node* n, const std::string& what) -> std::invalid_argument {
    return std::invalid_argument(name + ":" + std::to_string(n->source().begin.line) +
                                 ": [sweep]: " + what);
  };
  std::vector<Assignment> points;
  if (const toml::node* listed = sweep.get("points")) {
    if (sweep.size() != 1) throw fail(listed, "give points or lists of values, not both");
    const toml::array* arr = listed->as_array();
    if (!arr || arr->empty()) throw fail(listed, "expected [[sweep.points]] tables");
    for (const toml::node& item : *arr) {
      const toml::table* t = item.as_table();
      if (!t || t->empty()) throw fail(&item, "a point is a non-empty table of keys");
      Assignment a;
      std::vector<std::pair<std::string, const toml::node*>> keys;
      flatten(*t, "", keys);
      for (const auto& kv : keys) a.push_back(kv);
      points.push_back(a);
    }
    return points;
  }
  points.emplace_back();
  for (const auto& [key, node] : leaves) {
    const toml::array* values = node->as_array();
    if (!values || values->empty()) throw fail(node, "'" + key + "' needs a list of values");
    if (key == "seeds") throw fail(node, "seeds are not swept: set seeds = \"A..B\"");
    std::vector<Assignment> next;
    for (const Assignment& a : points)
      for (const toml::node& v : *values) {
        Assignment b = a;
        b.emplace_back(key, &v);
        next.push_back(b);
      }
    points = std::move(next);
  }
  return points;
}

}  // namespace

Campaign load_study(const fs::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw std::invalid_argument(name + ": is a folder, not a study");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(name + ": cannot read the study: " + std::strerror(errno));
  return load_study_text(name, read_file(path));
}

Campaign load_study_text(const std::string& name, const std::string& text) {
  const fs::path path(name);
  if (text.size() > (1u << 20)) throw std::invalid_argument(name + ": larger than 1 MiB");
  // The file as written, checked with its own line numbers.
  const sim::ScenarioFile base = sim::parse_scenario(text, name, path.parent_path());
  toml::table root = toml::parse(text, name);

  Campaign c;
  c.command = "run";
  c.seeds = parse_seed_range(base.seeds.value_or("1"));
  // The points refer into `root`'s [sweep] (whose source positions give the keys' order); each
  // point's document is a copy without it.
  std::vector<Assignment> points{Assignment{}};
  if (const toml::table* sweep = root["sweep"].as_table()) points = sweep_points(name, *sweep);
  for (const Assignment& a : points)
    for (const auto& [key, node] : a)
      if (std::find(c.parameters.begin(), c.parameters.end(), key) == c.parameters.end())
        c.parameters.push_back(key);

  for (std::size_t p = 0; p < points.size(); ++p) {
    CampaignPoint point;
    toml::table t = root;
    t.erase("sweep");
    for (const auto& [key, node] : points[p]) {
      assign(t, key, *node);
      point.values.emplace_back(key, value_text(*node));
    }
    std::string label;
    for (const auto& [k, v] : point.values) label += (label.empty() ? "" : ",") + k + "=" + v;
    std::ostringstream os;
    os << t;
    try {
      const sim::ScenarioFile file = sim::parse_scenario(os.str(), name, path.parent_path());
      point.description = describe(RunSettings{}, file, name, text);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(e.what()) + " (sweep point " + label + ")");
    }
    c.points.push_back(std::move(point));
  }
  c.manifest.command = "p2p run";
  c.manifest.seeds = base.seeds.value_or("1");
  c.manifest.file_name = name;
  c.manifest.file_text = text;
  for (const std::string& p : c.parameters) c.manifest.point.emplace_back(p, "swept");
  c.manifest.options = c.points.front().description.options();
  return c;
}

#else

Campaign load_study_text(const std::string& name, const std::string&) {
  throw std::invalid_argument(name +
                              ": this build cannot read study files (toml++ was "
                              "not found when it was built)");
}

Campaign load_study(const fs::path& path) {
  return load_study_text(path.string(), {});
}

#endif

}  // namespace p2p::experiment
