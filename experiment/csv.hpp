#pragma once
// The one CSV writer of the experiment layer: RFC 4180 quoting (a field holding a comma, a quote
// or a line break is quoted, its quotes doubled), numbers in their shortest round-trip form, an
// empty field for a value that does not apply.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace p2p::experiment {

std::string csv_field(std::string_view text);
// Shortest text that reads back as the same double; empty for NaN.
std::string csv_number(double value);

class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string>& header);
  CsvWriter& text(std::string_view value);
  CsvWriter& number(double value);
  CsvWriter& integer(std::uint64_t value);
  void end_row();
  const std::string& str() const { return body_; }

 private:
  void separate();
  std::string body_;
  bool row_started_ = false;
};

// Splits one CSV line written by CsvWriter back into fields (quotes undone).
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace p2p::experiment
