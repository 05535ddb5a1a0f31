#include "experiment/csv.hpp"

#include <cmath>

#include "analysis/report.hpp"

namespace p2p::experiment {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string csv_number(double value) {
  return std::isnan(value) ? std::string() : analysis::format_number(value);
}

CsvWriter::CsvWriter(const std::vector<std::string>& header) {
  for (const std::string& h : header) text(h);
  end_row();
}

void CsvWriter::separate() {
  if (row_started_) body_ += ',';
  row_started_ = true;
}

CsvWriter& CsvWriter::text(std::string_view value) {
  separate();
  body_ += csv_field(value);
  return *this;
}

CsvWriter& CsvWriter::number(double value) {
  separate();
  body_ += csv_number(value);
  return *this;
}

CsvWriter& CsvWriter::integer(std::uint64_t value) {
  separate();
  body_ += std::to_string(value);
  return *this;
}

void CsvWriter::end_row() {
  body_ += '\n';
  row_started_ = false;
}

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace p2p::experiment
