#include "kpu/compiler/import/scalesim_topology.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kpu::compiler {
namespace {

constexpr int64_t kMaxValue = int64_t{1} << 40;  // beyond any real layer; keeps products in range
constexpr size_t kMaxLineBytes = 1 << 16;

const std::vector<std::string> kConvColumns = {"Layer name", "IFMAP Height", "IFMAP Width", "Filter Height",
                                               "Filter Width", "Channels", "Num Filter", "Strides"};
const std::vector<std::string> kGemmColumns = {"Layer", "M", "N", "K"};

struct Field {
  std::string text;  // stripped
  int column = 0;    // 1-based character column where the field starts
};

// Splits a line on commas; a trailing comma (SCALE-Sim writes one) adds no field.
std::vector<Field> SplitFields(const std::string& line) {
  std::vector<Field> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    const std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t lead = 0;
    while (lead < raw.size() && absl::ascii_isspace(static_cast<unsigned char>(raw[lead]))) ++lead;
    fields.push_back({std::string(absl::StripAsciiWhitespace(raw)), static_cast<int>(start + lead + 1)});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (fields.size() > 1 && fields.back().text.empty()) fields.pop_back();
  return fields;
}

std::string Where(const std::string& source, int line, int column) {
  return absl::StrCat(source, ":", line, ":", column, ": ");
}

absl::Status Error(const std::string& source, int line, int column, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("SCALE-Sim topology ", Where(source, line, column), what));
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

}  // namespace

absl::StatusOr<ScaleSimTopology> ParseScaleSimTopology(const std::string& text, const std::string& source) {
  if (text.size() > kMaxScaleSimTopologyBytes) {
    return Error(source, 1, 1, absl::StrCat("the file is ", text.size(), " bytes, more than the 16 MiB a topology may have"));
  }
  ScaleSimTopology topo;
  const std::vector<std::string>* columns = nullptr;
  std::set<std::string> names;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxLineBytes) return Error(source, line_no, 1, "line is longer than 64 KiB");
    if (line.find('\0') != std::string::npos) return Error(source, line_no, 1, "line contains a NUL byte");
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::vector<Field> fields = SplitFields(line);
    if (columns == nullptr) {
      // The header says the form; compare names loosely (case, spaces) but completely.
      for (const auto* form : {&kConvColumns, &kGemmColumns}) {
        if (fields.size() != form->size()) continue;
        bool same = true;
        for (size_t i = 0; i < fields.size() && same; ++i) same = Lower(fields[i].text) == Lower((*form)[i]);
        if (same) columns = form;
      }
      if (columns == nullptr) {
        return Error(source, line_no, 1,
                     absl::StrCat("the header must be '", absl::StrJoin(kConvColumns, ", "), ",' (conv) or '",
                                  absl::StrJoin(kGemmColumns, ", "), ",' (gemm)"));
      }
      topo.form = columns == &kGemmColumns ? ScaleSimTopology::Form::kGemm : ScaleSimTopology::Form::kConv;
      continue;
    }
    if (fields.size() != columns->size()) {
      const int col = fields.size() > columns->size() ? fields[columns->size()].column : static_cast<int>(line.size()) + 1;
      return Error(source, line_no, col,
                   absl::StrCat("expected ", columns->size(), " fields (", absl::StrJoin(*columns, ", "), "), got ",
                                fields.size()));
    }
    if (topo.layers.size() >= kMaxScaleSimLayers) {
      return Error(source, line_no, 1, absl::StrCat("more than ", kMaxScaleSimLayers, " layers"));
    }
    ScaleSimLayer layer;
    layer.line = line_no;
    layer.name = fields[0].text;
    if (layer.name.empty()) return Error(source, line_no, fields[0].column, "the layer name is empty");
    if (!names.insert(layer.name).second) {
      return Error(source, line_no, fields[0].column, absl::StrCat("layer '", layer.name, "' appears twice"));
    }
    std::vector<int64_t> values;
    for (size_t i = 1; i < fields.size(); ++i) {
      int64_t v = 0;
      if (!absl::SimpleAtoi(fields[i].text, &v) || v <= 0 || v > kMaxValue) {
        return Error(source, line_no, fields[i].column,
                     absl::StrCat("'", (*columns)[i], "' of layer '", layer.name,
                                  "' must be a positive integer up to 2^40, got '", fields[i].text, "'"));
      }
      values.push_back(v);
    }
    if (topo.form == ScaleSimTopology::Form::kGemm) {
      layer.m = values[0];
      layer.n = values[1];
      layer.k = values[2];
    } else {
      layer.ifmap_h = values[0];
      layer.ifmap_w = values[1];
      layer.filter_h = values[2];
      layer.filter_w = values[3];
      layer.channels = values[4];
      layer.filters = values[5];
      layer.stride = values[6];
      if (layer.filter_h > layer.ifmap_h || layer.filter_w > layer.ifmap_w) {
        return Error(source, line_no, fields[3].column,
                     absl::StrCat("layer '", layer.name, "': filter ", layer.filter_h, "x", layer.filter_w,
                                  " is larger than its IFMAP ", layer.ifmap_h, "x", layer.ifmap_w));
      }
    }
    topo.layers.push_back(layer);
  }
  if (columns == nullptr) return Error(source, 1, 1, "the file is empty (no header)");
  if (topo.layers.empty()) return Error(source, line_no, 1, "the topology has a header but no layers");
  return topo;
}

absl::StatusOr<cost::GroupedGemm> LayerGemm(const ScaleSimTopology& topo, const ScaleSimLayer& layer) {
  if (topo.form == ScaleSimTopology::Form::kGemm) {
    cost::GroupedGemm g;
    g.gemm = {layer.m, layer.n, layer.k};
    return g;
  }
  cost::Conv c;
  c.channels = layer.channels;
  c.height = layer.ifmap_h;
  c.width = layer.ifmap_w;
  c.filters = layer.filters;
  c.filter_h = layer.filter_h;
  c.filter_w = layer.filter_w;
  c.stride_h = c.stride_w = layer.stride;
  absl::StatusOr<cost::GroupedGemm> g = cost::ConvAsGemm(c);
  if (!g.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer '", layer.name, "' (line ", layer.line, "): ", g.status().message()));
  }
  return g;
}

}  // namespace kpu::compiler
