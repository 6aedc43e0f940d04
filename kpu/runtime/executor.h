// The runtime: a loaded program bound to a KPU config and a DRAM arena, executed in a mode.
// Values come from the fast whole-op kernels or from the DFX interpreter; time and energy from
// the simulator's model of the same DFX (decision 3: one run gives both).
#ifndef KPU_RUNTIME_EXECUTOR_H_
#define KPU_RUNTIME_EXECUTOR_H_

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/metrics.pb.h"
#include "kpu/ir/program.h"
#include "kpu/ir/shape.h"
#include "kpu/runtime/dfx_interpreter.h"
#include "kpu/runtime/kernels.h"

namespace kpu::runtime {

enum class Mode { kFunctional = 0, kTransactional = 1, kCycleAccurate = 2, kPowerTrace = 3 };
enum class Engine { kFast = 0, kDfxInterpreter = 1, kDfxInterpreterReordered = 2 };

std::string ModeName(Mode mode);

struct ExecuteOptions {
  Mode mode = Mode::kFunctional;
  Engine engine = Engine::kFast;
};

struct HostTensor {
  std::string name;
  ir::DataType dtype = ir::FLOAT32;
  Shape shape;
  void* data = nullptr;
  size_t size_bytes = 0;
};

class Executor {
 public:
  // `config` null: the program's target config. Checks that the program's tiles fit the config.
  static absl::StatusOr<std::unique_ptr<Executor>> Load(const Program& program, const ir::KPUConfig* config);

  // dram_ points into arena_ and weights_, so an Executor is never copied.
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Inputs are read; outputs' data is written. Both matched by name.
  absl::Status Execute(const std::vector<HostTensor>& inputs, const std::vector<HostTensor>& outputs,
                       const ExecuteOptions& options);

  const std::optional<ir::KPUPerformanceMetrics>& last_metrics() const { return last_metrics_; }
  const Program& program() const { return program_; }
  const ir::KPUConfig& config() const { return config_; }
  // The bound schedule: arena addresses, mover bindings and the DFX of every op.
  std::string ScheduleText() const;

 private:
  Executor(Program program, ir::KPUConfig config);
  absl::Status Bind();
  absl::Status RunFast();
  absl::Status RunInterpreter(InterpreterOrder order);
  std::byte* TensorData(const std::string& name);

  // A tensor bound to its bytes in arena_ or weights_: bytes plus dtype (decision 11).
  struct BoundTensor {
    ir::DataType dtype = ir::DTYPE_UNSPECIFIED;
    Shape shape;
    std::byte* data = nullptr;
    const ir::QuantParams* quant = nullptr;  // null unless the program quantizes the tensor
    bool constant = false;                   // weights: never written after load
  };
  // One op ready to run: its kernel, chosen by (op type, first input's dtype), and its views.
  struct BoundOp {
    KernelFn kernel = nullptr;
    std::vector<ConstTensorView> inputs;
    std::vector<TensorView> outputs;
    KernelState state;
  };

  Program program_;
  ir::KPUConfig config_;
  std::vector<std::byte> arena_;    // inputs, outputs, activations at their planned offsets
  std::vector<std::byte> weights_;  // the weights section
  // Per on-chip level, the home arena of the activations the program keeps there.
  std::map<ir::MemoryLevel, std::vector<std::byte>> homes_;
  std::vector<LevelBytes> home_bytes_;  // per op: what live homes occupy per level
  std::map<std::string, BoundTensor> tensors_;
  std::vector<BoundOp> ops_;        // parallel to program_.proto.operations().ops()
  DramTensors dram_;                // every tensor as the DFX interpreter sees it
  std::optional<ir::KPUPerformanceMetrics> timing_;  // the same for every run of this program
  std::optional<ir::KPUPerformanceMetrics> last_metrics_;
};

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_EXECUTOR_H_
