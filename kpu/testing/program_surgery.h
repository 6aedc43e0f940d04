// Hand-made hostile programs for regression tests: compile a real graph, let the test edit the
// program's proto, and write it back through the object writer, so every section has a valid
// checksum and the loader's later checks (validator, binder, interpreter) are what is tested.
#ifndef KPU_TESTING_PROGRAM_SURGERY_H_
#define KPU_TESTING_PROGRAM_SURGERY_H_

#include <functional>
#include <string>

#include "kpu/ir/graph.pb.h"
#include "kpu/ir/program.h"

namespace kpu::testing {

// The MNIST MLP of test_graphs.h (batch 2) compiled for the default config.
Program CompiledMlp();

// The program after `edit`, as `.kpu` bytes with valid checksums.
std::string EditedObject(Program program, const std::function<void(Program&)>& edit);

// The first DFX Compute of `type` anywhere in the program (inside loops too), or null.
ir::Compute* FindCompute(Program& program, ir::Compute::Type type, const std::string& function = "");

// The tensor descriptor named `name`, or null.
ir::TensorDescriptor* FindTensor(Program& program, const std::string& name);

}  // namespace kpu::testing

#endif  // KPU_TESTING_PROGRAM_SURGERY_H_
