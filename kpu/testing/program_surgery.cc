#include "kpu/testing/program_surgery.h"

#include <cstdlib>
#include <iostream>

#include "kpu/compiler/compiler.h"
#include "kpu/compiler/object_writer.h"
#include "kpu/ir/config_presets.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::testing {
namespace {

ir::Compute* FindIn(google::protobuf::RepeatedPtrField<ir::DfxOp>* ops, ir::Compute::Type type,
                    const std::string& function) {
  for (ir::DfxOp& op : *ops) {
    if (op.has_compute() && op.compute().type() == type && (function.empty() || op.compute().function() == function)) {
      return op.mutable_compute();
    }
    if (op.has_tile_loop()) {
      if (ir::Compute* c = FindIn(op.mutable_tile_loop()->mutable_body(), type, function)) return c;
    }
  }
  return nullptr;
}

}  // namespace

Program CompiledMlp() {
  auto program = compiler::Compile(MnistMlp(2), DefaultConfig(), {});
  if (!program.ok()) {
    // Every test here starts from this program: without it none of them means anything.
    std::cerr << "compiling the MLP failed: " << program.status() << "\n";
    std::abort();
  }
  return *std::move(program);
}

std::string EditedObject(Program program, const std::function<void(Program&)>& edit) {
  edit(program);
  return compiler::WriteObject(program);
}

ir::Compute* FindCompute(Program& program, ir::Compute::Type type, const std::string& function) {
  for (ir::KPUOp& op : *program.proto.mutable_operations()->mutable_ops()) {
    if (ir::Compute* c = FindIn(op.mutable_dfx(), type, function)) return c;
  }
  return nullptr;
}

ir::TensorDescriptor* FindTensor(Program& program, const std::string& name) {
  for (ir::TensorDescriptor& t : *program.proto.mutable_tensors()->mutable_tensors()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

}  // namespace kpu::testing
