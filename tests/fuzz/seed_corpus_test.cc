// The program seeds are compiled `.kpu` files: a format change makes every one of them fail at
// the header, and the fuzzers would then never get past it. This says so, with the fix.
#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"

namespace {

TEST(SeedCorpus, EveryProgramSeedLoadsAndRuns) {
  const std::string dir = "tests/fuzz/corpus/program";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  closedir(d);
  ASSERT_FALSE(names.empty());
  for (const std::string& name : names) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    kpu_program* program = nullptr;
    ASSERT_EQ(kpu_program_deserialize(data.data(), data.size(), &program), KPU_OK)
        << name << ": " << kpu_last_error()
        << "\nregenerate the seeds: bazel run //tests/fuzz:make_seeds -- $PWD/tests/fuzz/corpus";
    kpu_runtime* runtime = nullptr;
    EXPECT_EQ(kpu_load(program, nullptr, &runtime), KPU_OK) << name << ": " << kpu_last_error();
    kpu_runtime_destroy(runtime);
    kpu_program_destroy(program);
  }
}

}  // namespace
