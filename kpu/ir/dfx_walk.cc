#include "kpu/ir/dfx_walk.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"

namespace kpu {

int64_t Box::NumElements() const {
  int64_t n = 1;
  for (size_t d = 0; d < lo.size(); ++d) n *= std::max<int64_t>(0, hi[d] - lo[d]);
  return n;
}

Shape Box::Extent() const {
  Shape s(lo.size());
  for (size_t d = 0; d < lo.size(); ++d) s[d] = hi[d] - lo[d];
  return s;
}

bool Box::Contains(const Box& o) const {
  if (o.lo.size() != lo.size()) return false;
  for (size_t d = 0; d < lo.size(); ++d) {
    if (o.lo[d] < lo[d] || o.hi[d] > hi[d]) return false;
  }
  return true;
}

std::string FormatBox(const Box& box) {
  std::vector<std::string> dims;
  for (size_t d = 0; d < box.lo.size(); ++d) dims.push_back(absl::StrCat(box.lo[d], ":", box.hi[d]));
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

int64_t Place::NumElements() const {
  int64_t n = 1;
  for (int64_t e : extent) n *= e;
  return n;
}

Box Place::ValidIndices() const {
  Box b;
  for (size_t d = 0; d < extent.size(); ++d) {
    const int64_t o = origin[d], s = stride[d], n = tensor_shape[d];
    // Smallest i with o + i*s >= 0, and one past the largest i with o + i*s < n.
    int64_t lo = o >= 0 ? 0 : (-o + s - 1) / s;
    int64_t hi = n - 1 - o < 0 ? 0 : std::min(extent[d], (n - 1 - o) / s + 1);
    b.lo.push_back(std::min(lo, extent[d]));
    b.hi.push_back(std::max(hi, b.lo.back()));
  }
  return b;
}

int64_t Place::ValidElements() const {
  // ValidIndices().NumElements() without building the box: a cost walk calls this on every move.
  int64_t n = 1;
  for (size_t d = 0; d < extent.size(); ++d) {
    const int64_t o = origin[d], s = stride[d], size = tensor_shape[d];
    const int64_t lo = std::min(o >= 0 ? 0 : (-o + s - 1) / s, extent[d]);
    const int64_t hi = size - 1 - o < 0 ? 0 : std::min(extent[d], (size - 1 - o) / s + 1);
    if (hi <= lo) return 0;
    n *= hi - lo;
  }
  return n;
}

std::string FormatPlace(const Place& p) {
  std::vector<std::string> dims;
  for (size_t d = 0; d < p.extent.size(); ++d) {
    const int64_t last = p.origin[d] + (p.extent[d] - 1) * p.stride[d];
    dims.push_back(p.stride[d] == 1 ? absl::StrCat(p.origin[d], ":", last + 1)
                                    : absl::StrCat(p.origin[d], ":", last + 1, ":", p.stride[d]));
  }
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

namespace {

using Vars = std::map<std::string, int64_t>;

absl::StatusOr<int64_t> Evaluate(const ir::AffineExpr& e, const Vars& vars, const std::string& tensor) {
  int64_t v = e.constant();
  if (v < -kMaxCoordinate || v > kMaxCoordinate) {
    return InvalidProgramError(absl::StrCat("region of '", tensor, "' has an origin constant out of range"));
  }
  for (const ir::AffineTerm& t : e.terms()) {
    auto it = vars.find(t.var());
    if (it == vars.end()) {
      return InvalidProgramError(absl::StrCat("region of '", tensor, "' uses loop variable '", t.var(),
                                              "' outside its loop"));
    }
    int64_t term = 0;
    if (__builtin_mul_overflow(t.coeff(), it->second, &term) || __builtin_add_overflow(v, term, &v) ||
        v < -kMaxCoordinate || v > kMaxCoordinate) {
      return InvalidProgramError(absl::StrCat("region of '", tensor, "' has an origin out of range"));
    }
  }
  return v;
}

}  // namespace

absl::StatusOr<Place> ResolveRegion(const ir::TensorRegion& r, const ShapeTable& shapes, const Vars& vars) {
  auto it = shapes.find(r.tensor());
  if (it == shapes.end()) return InvalidProgramError(absl::StrCat("DFX names unknown tensor '", r.tensor(), "'"));
  const Shape& shape = it->second;
  if (r.dims_size() != static_cast<int>(shape.size())) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has rank ", r.dims_size(),
                                            ", the tensor has rank ", shape.size()));
  }
  if (!ir::Layout_IsValid(r.layout())) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' in ", LevelName(r.level()),
                                            " has unknown layout ", static_cast<int>(r.layout())));
  }
  // NHWC permutes the four dimensions of an image tile; it means nothing for another rank.
  if (r.layout() == ir::LAYOUT_NHWC && shape.size() != 4) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' in ", LevelName(r.level()),
                                            " is LAYOUT_NHWC, which needs rank 4, but has rank ", shape.size()));
  }
  if (!ir::TensorRegion::Padding_IsValid(r.padding())) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has unknown padding ",
                                            static_cast<int>(r.padding())));
  }
  Place place;
  place.tensor_shape = shape;
  int64_t elements = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    const ir::RegionDim& dim = r.dims(d);
    const int64_t stride = dim.stride() == 0 ? 1 : dim.stride();
    if (dim.extent() <= 0 || dim.extent() > kMaxTileElements || stride < 0 || stride > kMaxCoordinate ||
        dim.halo_lo() < 0 || dim.halo_hi() < 0 || dim.halo_lo() > dim.extent() ||
        dim.halo_hi() > dim.extent() - dim.halo_lo()) {
      return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' dimension ", d, " has extent ",
                                              dim.extent(), ", stride ", stride, ", halo ", dim.halo_lo(), "+",
                                              dim.halo_hi()));
    }
    if (__builtin_mul_overflow(elements, dim.extent(), &elements) || elements > kMaxTileElements) {
      return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' holds more than ", kMaxTileElements,
                                              " elements"));
    }
    KPU_ASSIGN_OR_RETURN(int64_t origin, Evaluate(dim.origin(), vars, r.tensor()));
    // A tile may lie wholly in padding (the last fold of a ragged tile): it moves no bytes and
    // costs no MACs. Its coordinates must still be representable.
    const int64_t last = origin + (dim.extent() - 1) * stride;
    if (last > kMaxCoordinate) {
      return InvalidProgramError(absl::StrCat("tile [", origin, ", ", last + 1, ") lies outside dimension ", d,
                                              " (", shape[d], ") of '", r.tensor(), "'"));
    }
    place.origin.push_back(origin);
    place.extent.push_back(dim.extent());
    place.stride.push_back(stride);
  }
  place.slot = r.slot();
  if (!r.slot_var().empty()) {
    auto v = vars.find(r.slot_var());
    if (v == vars.end() || r.slot_count() == 0 || r.slot_count() > 64 || r.slot() > 1024) {
      return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has slot variable '", r.slot_var(),
                                              "' with ", r.slot_count(), " slots outside its loop"));
    }
    place.slot += static_cast<uint32_t>(v->second % r.slot_count());
  } else if (r.slot() > 1024) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' names slot ", r.slot()));
  }
  return place;
}

namespace {

absl::Status CheckLoop(const ir::TileLoop& loop) {
  if (loop.step() <= 0 || loop.start() < 0 || loop.end() < loop.start()) {
    return InvalidProgramError(absl::StrCat("TileLoop '", loop.induction_var(), "' has bounds [", loop.start(), ", ",
                                            loop.end(), ") step ", loop.step()));
  }
  return absl::OkStatus();
}

// Iterations of a loop CheckLoop accepted (start >= 0, end >= start, step > 0), without the
// overflow of end - start + step - 1 when end is near 2^63 (found by program_structured_fuzzer).
uint64_t LoopTrips(const ir::TileLoop& loop) {
  const uint64_t span = static_cast<uint64_t>(loop.end() - loop.start());
  const uint64_t step = static_cast<uint64_t>(loop.step());
  return span / step + (span % step != 0 ? 1 : 0);
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t SaturatingMul(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

// The steps a walk takes, from the loop bounds alone (one per op and one per loop iteration, so
// empty loops count too), saturating instead of wrapping: a nest claiming 10^15 iterations is
// refused before the first one runs.
absl::StatusOr<uint64_t> StaticSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, int depth) {
  if (depth > kMaxLoopDepth) return InvalidProgramError(absl::StrCat("TileLoops nested deeper than ", kMaxLoopDepth));
  uint64_t steps = 0;
  for (const ir::DfxOp& op : ops) {
    steps = SaturatingAdd(steps, 1);
    if (!op.has_tile_loop()) continue;
    const ir::TileLoop& loop = op.tile_loop();
    KPU_RETURN_IF_ERROR(CheckLoop(loop));
    const uint64_t trips = LoopTrips(loop);
    KPU_ASSIGN_OR_RETURN(uint64_t body, StaticSteps(loop.body(), depth + 1));
    steps = SaturatingAdd(steps, SaturatingMul(trips, SaturatingAdd(body, 1)));
  }
  return steps;
}

absl::Status CheckSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, uint64_t limit) {
  KPU_ASSIGN_OR_RETURN(uint64_t steps, StaticSteps(ops, 0));
  if (steps > limit) {
    return InvalidProgramError(absl::StrCat("DFX kernel takes ",
                                            steps == UINT64_MAX ? std::string("more than 2^64") : absl::StrCat(steps),
                                            " steps, more than the limit of ", limit));
  }
  return absl::OkStatus();
}

// A region bound to its place in the loop nest: validated once (by ResolveRegion, with its
// messages), its loop variables turned into depths, so each later step only evaluates origins.
// A DfxOp always sits under the same loops, so the binding holds for every visit.
struct BoundRegion {
  struct Term {
    size_t depth;
    int64_t coeff;
  };
  const ir::TensorRegion* region = nullptr;
  std::vector<int64_t> constant;          // per dimension
  std::vector<std::vector<Term>> terms;   // per dimension
  size_t slot_depth = SIZE_MAX;           // the slot variable's loop, if any
};

// Per DataMove / Compute: its bound regions and the places the visitor sees, reused every step
// (a cost walk over a large model visits millions of tiles; allocating per tile dominated it).
struct BoundOp {
  std::vector<BoundRegion> inputs;  // DataMove: the source; Compute: its inputs
  BoundRegion output;               // DataMove: the destination; Compute: its output
  std::vector<Place> input_places;
  Place output_place;
};

struct Walker {
  const ShapeTable& shapes;
  // Called for every DataMove / Compute / Barrier with its resolved places (DataMove: source in
  // `inputs`, destination as `output`; Barrier: none, output null); null when counting. The
  // places are valid for the call only.
  std::function<absl::Status(const ir::DfxOp&, const std::vector<Place>& inputs, const Place* output)> on_op;
  Vars vars;
  std::vector<std::string> stack;  // enclosing loop variables, outermost first
  std::vector<int64_t> values;     // their current values, by depth
  std::unordered_map<const ir::DfxOp*, BoundOp> bound;
  uint64_t steps = 0;
  uint64_t max_steps = kMaxDfxSteps;

  absl::Status Bind(const ir::TensorRegion& r, BoundRegion* b, Place* place) {
    KPU_ASSIGN_OR_RETURN(*place, ResolveRegion(r, shapes, vars));
    b->region = &r;
    b->constant.resize(r.dims_size());
    b->terms.resize(r.dims_size());
    auto depth_of = [&](const std::string& var) {
      return static_cast<size_t>(std::find(stack.begin(), stack.end(), var) - stack.begin());
    };
    for (int d = 0; d < r.dims_size(); ++d) {
      b->constant[d] = r.dims(d).origin().constant();
      for (const ir::AffineTerm& t : r.dims(d).origin().terms()) b->terms[d].push_back({depth_of(t.var()), t.coeff()});
    }
    if (!r.slot_var().empty()) b->slot_depth = depth_of(r.slot_var());
    return absl::OkStatus();
  }

  // The region at the current loop values: the checks ResolveRegion makes on origins, with its
  // messages; everything else about the region was checked when it was bound.
  absl::Status Rebind(const BoundRegion& b, Place* place) const {
    const ir::TensorRegion& r = *b.region;
    for (size_t d = 0; d < b.constant.size(); ++d) {
      int64_t v = b.constant[d];
      for (const BoundRegion::Term& t : b.terms[d]) {
        int64_t term = 0;
        if (__builtin_mul_overflow(t.coeff, values[t.depth], &term) || __builtin_add_overflow(v, term, &v) ||
            v < -kMaxCoordinate || v > kMaxCoordinate) {
          return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has an origin out of range"));
        }
      }
      const int64_t last = v + (place->extent[d] - 1) * place->stride[d];
      if (last > kMaxCoordinate) {
        return InvalidProgramError(absl::StrCat("tile [", v, ", ", last + 1, ") lies outside dimension ", d, " (",
                                                place->tensor_shape[d], ") of '", r.tensor(), "'"));
      }
      place->origin[d] = v;
    }
    if (b.slot_depth != SIZE_MAX) {
      place->slot = r.slot() + static_cast<uint32_t>(values[b.slot_depth] % r.slot_count());
    }
    return absl::OkStatus();
  }

  // The op's places at the current loop values, binding its regions on the first visit.
  absl::StatusOr<BoundOp*> Places(const ir::DfxOp& op) {
    auto [it, first] = bound.try_emplace(&op);
    BoundOp& b = it->second;
    const bool move = op.has_data_move();
    const int n_inputs = move ? 1 : op.compute().inputs_size();
    const ir::TensorRegion& out = move ? op.data_move().destination() : op.compute().output();
    auto input = [&](int i) -> const ir::TensorRegion& {
      return move ? op.data_move().source() : op.compute().inputs(i);
    };
    if (first) {
      b.inputs.resize(n_inputs);
      b.input_places.resize(n_inputs);
      absl::Status s;
      for (int i = 0; i < n_inputs && s.ok(); ++i) s = Bind(input(i), &b.inputs[i], &b.input_places[i]);
      if (s.ok()) s = Bind(out, &b.output, &b.output_place);
      if (!s.ok()) {
        bound.erase(it);
        return InvalidProgramError(
            absl::StrCat("DFX op ", op.op_id(), ": ", absl::StripPrefix(s.message(), "Invalid KPU program: ")));
      }
      return &b;
    }
    for (int i = 0; i < n_inputs; ++i) KPU_RETURN_IF_ERROR(Rebind(b.inputs[i], &b.input_places[i]));
    KPU_RETURN_IF_ERROR(Rebind(b.output, &b.output_place));
    return &b;
  }

  // Values of the enclosing loops from the outermost down to `loop`.
  std::vector<int64_t> Prefix(const std::string& loop) const {
    std::vector<int64_t> values;
    for (const std::string& v : stack) {
      values.push_back(vars.at(v));
      if (v == loop) break;
    }
    return values;
  }

  absl::Status Walk(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, int depth) {
    if (depth > kMaxLoopDepth) return InvalidProgramError(absl::StrCat("TileLoops nested deeper than ", kMaxLoopDepth));
    for (const ir::DfxOp& op : ops) {
      if (++steps > max_steps) {
        return InvalidProgramError(absl::StrCat("DFX kernel exceeds the limit of ", max_steps, " steps"));
      }
      switch (op.kind_case()) {
        case ir::DfxOp::kTileLoop: {
          const ir::TileLoop& loop = op.tile_loop();
          KPU_RETURN_IF_ERROR(CheckLoop(loop));
          if (loop.induction_var().empty() || vars.count(loop.induction_var())) {
            return InvalidProgramError(absl::StrCat("TileLoop variable '", loop.induction_var(),
                                                    "' is empty or shadows an outer loop"));
          }
          const uint64_t trips = LoopTrips(loop);
          if (trips > max_steps) return InvalidProgramError("TileLoop trip count is too large");
          stack.push_back(loop.induction_var());
          values.push_back(0);
          // Counted by trips: start + k * step stays below end, where i += step could pass 2^63.
          for (uint64_t k = 0; k < trips; ++k) {
            const int64_t i = loop.start() + static_cast<int64_t>(k) * loop.step();
            if (++steps > max_steps) {
              return InvalidProgramError(absl::StrCat("DFX kernel exceeds the limit of ", max_steps, " steps"));
            }
            vars[loop.induction_var()] = i;
            values.back() = i;
            KPU_RETURN_IF_ERROR(Walk(loop.body(), depth + 1));
          }
          vars.erase(loop.induction_var());
          stack.pop_back();
          values.pop_back();
          break;
        }
        case ir::DfxOp::kDataMove:
        case ir::DfxOp::kCompute: {
          if (!on_op) break;
          KPU_ASSIGN_OR_RETURN(BoundOp * b, Places(op));
          KPU_RETURN_IF_ERROR(on_op(op, b->input_places, &b->output_place));
          break;
        }
        case ir::DfxOp::kBarrier:
          if (on_op) KPU_RETURN_IF_ERROR(on_op(op, {}, nullptr));
          break;
        default:
          return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " has no kind"));
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status WalkDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, const ShapeTable& shapes,
                     DfxVisitor& visitor) {
  Walker w{shapes, [&](const ir::DfxOp& op, const std::vector<Place>& inputs, const Place* output) -> absl::Status {
             switch (op.kind_case()) {
               case ir::DfxOp::kDataMove: return visitor.OnDataMove(op, op.data_move(), inputs[0], *output);
               case ir::DfxOp::kCompute: return visitor.OnCompute(op, op.compute(), inputs, *output);
               default: return visitor.OnBarrier(op);
             }
           }};
  KPU_RETURN_IF_ERROR(CheckSteps(ops, w.max_steps));
  return w.Walk(ops, 0);
}

absl::StatusOr<uint64_t> CountDfxSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops) {
  return StaticSteps(ops, 0);
}

absl::StatusOr<std::vector<DfxInstance>> ExpandDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops,
                                                   const ShapeTable& shapes, uint64_t max_instances) {
  std::vector<DfxInstance> out;
  std::map<uint64_t, std::vector<size_t>> issued;                 // op id -> its instances so far
  // For carried dependencies: the instances of an op in one iteration of an enclosing loop, keyed
  // by the loop and the values of every loop from the outermost down to it.
  std::map<std::tuple<uint64_t, std::string, std::vector<int64_t>>, std::vector<size_t>> by_iteration;
  std::set<uint64_t> carried_targets;
  std::function<void(const google::protobuf::RepeatedPtrField<ir::DfxOp>&)> collect =
      [&](const google::protobuf::RepeatedPtrField<ir::DfxOp>& list) {
        for (const ir::DfxOp& op : list) {
          for (const ir::CarriedDependency& c : op.carried()) carried_targets.insert(c.op_id());
          if (op.has_tile_loop()) collect(op.tile_loop().body());
        }
      };
  collect(ops);
  size_t last_barrier = SIZE_MAX;
  Walker w{shapes, nullptr};
  w.max_steps = std::min<uint64_t>(max_instances, kMaxDfxSteps);
  KPU_RETURN_IF_ERROR(CheckSteps(ops, w.max_steps));
  w.on_op = [&](const ir::DfxOp& op, const std::vector<Place>& inputs, const Place* output) -> absl::Status {
    DfxInstance inst{&op, inputs, {}};
    if (output != nullptr) inst.places.push_back(*output);
    const size_t self = out.size();
    std::vector<size_t>& mine = issued[op.op_id()];
    const size_t previous = mine.empty() ? SIZE_MAX : mine.back();
    for (uint64_t d : op.depends_on()) {
      auto it = issued.find(d);
      if (it == issued.end() || it->second.empty()) continue;
      const std::vector<size_t>& theirs = it->second;
      // Every instance since this op last ran (a write after a loop of reads waits for all of
      // them), or the latest one when none ran since.
      auto since = previous == SIZE_MAX ? theirs.begin() : std::upper_bound(theirs.begin(), theirs.end(), previous);
      if (since == theirs.end()) since = theirs.end() - 1;
      inst.waits_for.insert(inst.waits_for.end(), since, theirs.end());
    }
    for (const ir::CarriedDependency& c : op.carried()) {
      auto v = w.vars.find(c.loop_var());
      if (v == w.vars.end() || c.distance() <= 0) {
        return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " carries a dependency over loop '",
                                                c.loop_var(), "' it is not inside, or distance ", c.distance()));
      }
      std::vector<int64_t> earlier = w.Prefix(c.loop_var());
      earlier.back() -= c.distance();
      auto it = by_iteration.find({c.op_id(), c.loop_var(), earlier});
      if (it != by_iteration.end()) inst.waits_for.insert(inst.waits_for.end(), it->second.begin(), it->second.end());
    }
    if (op.has_barrier()) {
      for (size_t i = last_barrier == SIZE_MAX ? 0 : last_barrier; i < self; ++i) inst.waits_for.push_back(i);
      last_barrier = self;
    } else if (last_barrier != SIZE_MAX) {
      inst.waits_for.push_back(last_barrier);
    }
    mine.push_back(self);
    if (carried_targets.count(op.op_id())) {
      for (const std::string& loop : w.stack) by_iteration[{op.op_id(), loop, w.Prefix(loop)}].push_back(self);
    }
    out.push_back(std::move(inst));
    return absl::OkStatus();
  };
  KPU_RETURN_IF_ERROR(w.Walk(ops, 0));
  return out;
}

}  // namespace kpu
