#include "kpu/compiler/emitted_dtypes.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"

namespace kpu::compiler {

bool CompilerEmits(ir::DataType dtype) { return dtype == ir::FLOAT32; }

absl::Status CheckEmittedDtypes(const ir::Graph& graph) {
  std::map<std::string, ir::DataType> dtypes;
  for (const ir::Tensor& t : graph.tensors()) dtypes[t.name()] = t.dtype();
  for (const ir::Node& n : graph.nodes()) {
    for (const auto* names : {&n.inputs(), &n.outputs()}) {
      for (int i = 0; i < names->size(); ++i) {
        auto it = dtypes.find(names->Get(i));
        if (it == dtypes.end() || CompilerEmits(it->second)) continue;
        return UnimplementedError(absl::StrCat("node '", n.name(), "' (", n.op_type(), ") ",
                                               names == &n.inputs() ? "input " : "output ", i, " '", names->Get(i),
                                               "' is ", DTypeName(it->second),
                                               ": the compiler emits float32 programs only in this release"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace kpu::compiler
