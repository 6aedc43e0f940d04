// Mutates a protobuf message through reflection, one field at a time: the edits a hostile `.kpu`
// makes to a real program (an offset near 2^64, a loop bound of 10^8, a tensor name that points
// at another tensor, an operand removed, an enum value no header lists), as opposed to the byte
// flips that a checksum stops. Strings are swapped for other strings of the same message tree, so
// renamed references stay plausible enough to reach the checks behind the name lookups.
#ifndef TESTS_FUZZ_PROTO_MUTATOR_H_
#define TESTS_FUZZ_PROTO_MUTATOR_H_

#include <random>

#include "google/protobuf/message.h"

namespace kpu::fuzz {

// Applies one random edit somewhere in `message` (any depth); false if it has no field to edit.
bool MutateMessage(google::protobuf::Message* message, std::minstd_rand& rng);

}  // namespace kpu::fuzz

#endif  // TESTS_FUZZ_PROTO_MUTATOR_H_
