#include "experiment/manifest.hpp"

#include <cstdio>

namespace p2p::experiment {
namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + '"';
}

void object(std::string& out, const char* key, const Options& options) {
  out += "  " + json_string(key) + ": {";
  for (std::size_t i = 0; i < options.size(); ++i)
    out += (i ? ",\n    " : "\n    ") + json_string(options[i].first) + ": " +
           json_string(options[i].second);
  out += options.empty() ? "},\n" : "\n  },\n";
}

}  // namespace

std::string p2p_version() {
  return P2P_VERSION;
}

std::string text_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string to_json(const Manifest& m) {
  std::string out = "{\n";
  out += "  \"p2p_version\": " + json_string(p2p_version()) + ",\n";
  out += "  \"command\": " + json_string(m.command) + ",\n";
  if (m.seed) out += "  \"seed\": " + std::to_string(*m.seed) + ",\n";
  if (!m.seeds.empty()) out += "  \"seeds\": " + json_string(m.seeds) + ",\n";
  if (!m.point.empty()) object(out, "point", m.point);
  object(out, "options", m.options);
  if (!m.file_name.empty()) {
    out += "  \"file\": {\n    \"name\": " + json_string(m.file_name) + ",\n";
    out += "    \"fnv1a64\": " + json_string(text_hash(m.file_text)) + ",\n";
    out += "    \"text\": " + json_string(m.file_text) + "\n  },\n";
  }
  out.resize(out.size() - 2);  // the last ",\n"
  return out + "\n}\n";
}

}  // namespace p2p::experiment
