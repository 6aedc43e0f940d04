// Decision 1 and STYLE.md "Kernels keyed by dtype": every registry op is known to every layer, for
// every dtype its OpDef lists. The test walks (op x dtype) x layer; each failure names the op, the
// dtype and the layer, and the file to add the missing facet to. The layers:
//   sample       kpu/testing/op_samples.cc: a graph using the op (compiled by the checks below)
//   lowering     kpu/compiler/lowering.cc: a DFX lowering, or a decomposition into lowered ops
//   fast kernel  kpu/runtime/kernels/<family>.cc: r.Add(op, dtype, ...)
//   tile kernel  the DFX interpreter runs each Compute through the same kernel table, keyed by the
//                Compute's function and its tiles' dtype: every function the op's DFX computes
//                needs a kernel for the dtype
//   cost         kpu/cost/ops/<family>.cc: a row per Compute function; priced for the dtype (its
//                MACs at the dtype's energy, its moves in the dtype's bytes)
//   compiler     float32 compiles; every other dtype is refused with an error naming the op and
//                the dtype (the compiler emits float32 only in this release, emitted_dtypes.h)
// The torch lowering is checked by bindings/python/tests/test_registry_coverage.py.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/compiler/lowering.h"
#include "kpu/cost/compute_cost.h"
#include "kpu/cost/op_cost.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/op_registry.h"
#include "kpu/runtime/kernels.h"
#include "kpu/testing/op_samples.h"

namespace kpu {
namespace {

// Every element type of graph.proto, so a dtype added there is walked here too.
std::vector<ir::DataType> AllDtypes() {
  std::vector<ir::DataType> all;
  for (int d = ir::DataType_MIN; d <= ir::DataType_MAX; ++d) {
    if (ir::DataType_IsValid(d) && d != ir::DTYPE_UNSPECIFIED) all.push_back(static_cast<ir::DataType>(d));
  }
  return all;
}

std::string Facet(const std::string& op, ir::DataType dtype, const std::string& layer) {
  return absl::StrCat("(", op, ", ", DTypeName(dtype), ", ", layer, "): ");
}

bool Lowered(const std::string& op) {
  return compiler::Lowerings().count(op) || compiler::Decompositions().count(op);
}

// The op's sample compiled for the default config, once per op.
const absl::StatusOr<Program>& Float32Program(const std::string& op) {
  static auto* programs = new std::map<std::string, absl::StatusOr<Program>>;
  auto it = programs->find(op);
  if (it == programs->end()) {
    const ir::Graph* sample = testing::OpSample(op);
    absl::StatusOr<Program> p = sample == nullptr ? absl::NotFoundError("no sample")
                                                  : compiler::Compile(*sample, DefaultConfig(), {});
    it = programs->emplace(op, std::move(p)).first;
  }
  return it->second;
}

// The Compute functions of a DFX kernel, loops included.
void CollectFunctions(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, std::set<std::string>* out) {
  for (const ir::DfxOp& op : ops) {
    if (op.has_compute()) out->insert(op.compute().function());
    if (op.has_tile_loop()) CollectFunctions(op.tile_loop().body(), out);
  }
}

std::set<std::string> ComputeFunctions(const Program& program) {
  std::set<std::string> functions;
  for (const ir::KPUOp& op : program.proto.operations().ops()) CollectFunctions(op.dfx(), &functions);
  return functions;
}

TEST(OpCoverage, EveryRegistryOpHasASampleThatUsesIt) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    if (testing::OpSample(op) == nullptr) {
      ADD_FAILURE() << "(" << op << ", sample): no sample graph: add one to kpu/testing/op_samples.cc";
      continue;
    }
    const absl::StatusOr<Program>& p = Float32Program(op);
    if (!p.ok()) continue;  // reported by the compiler layer below
    std::set<std::string> types;
    for (const ir::KPUOp& o : p->proto.operations().ops()) types.insert(o.op_type());
    // A decomposed op (linear) becomes others; any other op must be in its own sample's program.
    if (!compiler::Decompositions().count(op)) {
      EXPECT_TRUE(types.count(op)) << "(" << op << ", sample): the sample in kpu/testing/op_samples.cc compiles to "
                                   << "no '" << op << "' op";
    }
  }
  for (const std::string& op : testing::SampledOps()) {
    EXPECT_NE(OpRegistry::Global().Find(op), nullptr) << "kpu/testing/op_samples.cc has a sample of unknown op " << op;
  }
}

TEST(OpCoverage, EveryOpDtypeHasAFastKernel) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    for (ir::DataType dtype : OpRegistry::Global().Find(op)->dtypes) {
      auto kernel = runtime::FindKernel(op, dtype);
      EXPECT_TRUE(kernel.ok()) << Facet(op, dtype, "fast kernel") << kernel.status().message()
                               << ": add r.Add(\"" << op << "\", ir::" << ir::DataType_Name(dtype)
                               << ", ...) to its family file in kpu/runtime/kernels/ (all_kernels.h lists them)";
    }
  }
}

TEST(OpCoverage, EveryOpHasALowering) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    EXPECT_TRUE(Lowered(op)) << "(" << op << ", lowering): no DFX lowering in kpu/compiler/lowering.cc "
                             << "(nor a decomposition listed in Decompositions())";
  }
}

// The interpreter runs a Compute by RunKernel(function, tile dtype) (dfx_interpreter.cc): the same
// table as the fast path, keyed by the Compute's function.
TEST(OpCoverage, EveryOpDtypeHasATileKernelForEveryFunctionItsDfxComputes) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    const absl::StatusOr<Program>& p = Float32Program(op);
    if (!p.ok()) continue;
    const std::set<std::string> functions = ComputeFunctions(*p);
    // Only an alias (reshape) computes nothing.
    if (op != "reshape") EXPECT_FALSE(functions.empty()) << "(" << op << ", tile kernel): its DFX computes nothing";
    for (ir::DataType dtype : OpRegistry::Global().Find(op)->dtypes) {
      for (const std::string& f : functions) {
        auto kernel = runtime::FindKernel(f, dtype);
        EXPECT_TRUE(kernel.ok()) << Facet(op, dtype, "tile kernel") << "its DFX computes '" << f << "': "
                                 << kernel.status().message() << ": add r.Add(\"" << f << "\", ir::"
                                 << ir::DataType_Name(dtype) << ", ...) in kpu/runtime/kernels/";
      }
    }
  }
}

// Each Compute function has a cost row, and the estimate of the op's DFX with its tensors in any
// dtype prices the dtype: MACs counted as that dtype's (so charged its MAC energy), bytes moved
// in its element size.
TEST(OpCoverage, EveryOpDtypeIsPricedByTheCostModel) {
  const ir::KPUConfig config = DefaultConfig();
  for (const std::string& op : OpRegistry::Global().Names()) {
    // The op's own row: without it no program of the op compiles (the compiler prices every
    // candidate lowering), so it is checked before anything needs one.
    EXPECT_TRUE(cost::ComputeCosts().count(op)) << "(" << op << ", cost): no cost row in kpu/cost/ops/";
    const absl::StatusOr<Program>& p = Float32Program(op);
    if (!p.ok()) continue;
    for (const std::string& f : ComputeFunctions(*p)) {
      EXPECT_TRUE(cost::ComputeCosts().count(f)) << "(" << op << ", cost): its DFX computes '" << f
                                                 << "', which has no cost row in kpu/cost/ops/";
    }
    const cost::ProgramTensors fp32 = cost::TensorsOf(p->proto.tensors());
    // kpu/cost is below the compiler and prices every dtype (decision 11), not only those the
    // OpDef lists today.
    for (ir::DataType dtype : AllDtypes()) {
      cost::ProgramTensors typed = fp32;
      for (auto& [name, d] : typed.dtypes) d = dtype;
      for (const ir::KPUOp& o : p->proto.operations().ops()) {
        auto base = cost::EstimateOp(o, fp32, config);
        auto c = cost::EstimateOp(o, typed, config);
        ASSERT_TRUE(base.ok()) << base.status();
        if (!c.ok()) {
          ADD_FAILURE() << Facet(op, dtype, "cost") << c.status().message();
          continue;
        }
        EXPECT_EQ(c->macs, base->macs) << Facet(op, dtype, "cost") << "MACs depend on the dtype";
        if (c->macs > 0) {
          EXPECT_EQ(c->activity.macs.size(), 1u) << Facet(op, dtype, "cost");
          EXPECT_EQ(c->activity.macs.count(dtype), 1u)
              << Facet(op, dtype, "cost") << "MACs are not counted (and charged) as " << DTypeName(dtype);
        }
        // What one element of the dtype takes, against float32's 4 bytes.
        auto bytes = BytesFor(dtype, 1 << 20);
        ASSERT_TRUE(bytes.ok());
        const double ratio = static_cast<double>(*bytes) / (4 << 20);
        EXPECT_NEAR(static_cast<double>(c->dram_bytes()), base->dram_bytes() * ratio, 1 + 0.001 * base->dram_bytes())
            << Facet(op, dtype, "cost") << "DRAM bytes are not the dtype's size (kpu/cost/op_cost.cc)";
      }
    }
  }
}

TEST(OpCoverage, TheCompilerEmitsFloat32AndRefusesEveryOtherDtypeByOpAndDtype) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    const ir::Graph* sample = testing::OpSample(op);
    if (sample == nullptr) continue;  // reported by the sample test
    const absl::StatusOr<Program>& p = Float32Program(op);
    EXPECT_TRUE(p.ok()) << Facet(op, ir::FLOAT32, "compiler") << "its sample does not compile: " << p.status();
    for (ir::DataType dtype : AllDtypes()) {
      if (dtype == ir::FLOAT32) continue;
      auto program = compiler::Compile(testing::Retyped(*sample, dtype), DefaultConfig(), {});
      if (program.ok()) {
        ADD_FAILURE() << Facet(op, dtype, "compiler") << "compiled, but the compiler emits float32 only "
                      << "(kpu/compiler/emitted_dtypes.h): lower the dtype for real, then let CompilerEmits say so";
        continue;
      }
      const std::string message(program.status().message());
      EXPECT_NE(message.find("(" + op + ")"), std::string::npos) << Facet(op, dtype, "compiler") << message;
      EXPECT_NE(message.find(DTypeName(dtype)), std::string::npos) << Facet(op, dtype, "compiler") << message;
    }
  }
}

TEST(OpCoverage, NoLayerKnowsAnOpTheRegistryDoesNot) {
  const OpRegistry& r = OpRegistry::Global();
  for (const auto& [op, fn] : compiler::Lowerings()) EXPECT_NE(r.Find(op), nullptr) << "lowering for unknown op " << op;
  for (const auto& op : compiler::Decompositions()) EXPECT_NE(r.Find(op), nullptr) << "decomposition of unknown op " << op;
  for (const auto& [op, by_dtype] : runtime::Kernels()) EXPECT_NE(r.Find(op), nullptr) << "kernel for unknown op " << op;
  for (const auto& [op, fn] : cost::ComputeCosts()) EXPECT_NE(r.Find(op), nullptr) << "cost for unknown op " << op;
}

}  // namespace
}  // namespace kpu
