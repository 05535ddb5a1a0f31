#include "experiment/manifest.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>

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

// The JSON that to_json writes: objects, strings and unsigned integers.
struct Value {
  std::string text;                                   // a string, or an integer's digits
  std::vector<std::pair<std::string, Value>> fields;  // an object's
  bool object = false;
};

class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}

  Value value() {
    skip();
    Value v;
    if (peek() == '{') {
      v.object = true;
      ++i_;
      skip();
      if (peek() == '}') return ++i_, v;
      for (;;) {
        skip();
        std::string key = string();
        skip();
        expect(':');
        Value field = value();
        v.fields.emplace_back(std::move(key), std::move(field));
        skip();
        if (peek() == '}') return ++i_, v;
        expect(',');
      }
    }
    if (peek() == '"') {
      v.text = string();
      return v;
    }
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') v.text += s_[i_++];
    if (v.text.empty()) fail();
    return v;
  }
  void end() {
    skip();
    if (i_ != s_.size()) fail();
  }

 private:
  [[noreturn]] void fail() const {
    throw std::invalid_argument("not a p2p manifest (at byte " + std::to_string(i_) + ")");
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail();
    ++i_;
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail();
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++i_;
      switch (e) {
        case '"':
        case '\\':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned code = 0;
          if (i_ + 4 > s_.size()) fail();
          const auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, code, 16);
          if (ec != std::errc{} || end != s_.data() + i_ + 4 || code >= 0x20) fail();
          out += static_cast<char>(code);
          i_ += 4;
          break;
        }
        default:
          fail();
      }
    }
  }
  const std::string& s_;
  std::size_t i_ = 0;
};

Options options_of(const Value& v) {
  Options out;
  for (const auto& [k, f] : v.fields) out.emplace_back(k, f.text);
  return out;
}

}  // namespace

Manifest manifest_from_json(const std::string& json, std::string* version) {
  Reader reader(json);
  const Value root = reader.value();
  reader.end();
  if (!root.object) throw std::invalid_argument("not a p2p manifest (not an object)");
  Manifest m;
  std::string written_by;
  for (const auto& [key, v] : root.fields) {
    if (key == "p2p_version") written_by = v.text;
    if (key == "command") m.command = v.text;
    if (key == "seed") m.seed = std::stoull(v.text);
    if (key == "seeds") m.seeds = v.text;
    if (key == "shard") m.shard = v.text;
    if (key == "point") m.point = options_of(v);
    if (key == "options") m.options = options_of(v);
    if (key == "file")
      for (const auto& [fk, fv] : v.fields) {
        if (fk == "name") m.file_name = fv.text;
        if (fk == "text") m.file_text = fv.text;
      }
  }
  // What this reader does not know (or a changed hash) would not be written back the same.
  std::string again = to_json(m);
  const std::string current = "\"p2p_version\": " + json_string(p2p_version());
  const std::string theirs = "\"p2p_version\": " + json_string(written_by);
  if (again.find(current) != std::string::npos)
    again.replace(again.find(current), current.size(), theirs);
  if (again != json) throw std::invalid_argument("not a manifest.json that p2p writes");
  if (version) *version = written_by;
  return m;
}

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
  if (!m.shard.empty()) out += "  \"shard\": " + json_string(m.shard) + ",\n";
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
