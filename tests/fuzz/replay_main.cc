// The main of a fuzz target in a normal build: replays every file in the folders it is given
// (its seed corpus and its regression inputs) through LLVMFuzzerTestOneInput. An input that once
// crashed the library crashes this test if the bug comes back. libFuzzer flags ("-runs=...") are
// ignored, so a target takes the same command line in both builds.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

namespace {

void ListFiles(const std::string& path, std::vector<std::string>* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return;  // a target may have no regression inputs yet
  if (S_ISREG(st.st_mode)) {
    out->push_back(path);
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) ListFiles(path + "/" + n, out);
}

}  // namespace

// program_structured_fuzzer's mutator calls libFuzzer's; a replay never mutates.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) {
  (void)data;
  (void)max_size;
  return size;
}

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') ListFiles(argv[i], &files);
  }
  if (files.empty()) {
    std::fprintf(stderr, "no inputs found in the folders given: a fuzz target's corpus is missing\n");
    return 1;
  }
  double slowest = 0;
  std::string slowest_file;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    const auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms > slowest) {
      slowest = ms;
      slowest_file = f;
    }
  }
  std::printf("replayed %zu inputs; slowest %.1f ms (%s)\n", files.size(), slowest, slowest_file.c_str());
  return 0;
}
