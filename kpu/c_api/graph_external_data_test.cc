// A graph's external_data reads only files inside the graph's folder unless the caller opts in,
// and its length is checked against the tensor and the file before reading (issue 6: a .dfg read
// /etc/passwd into a constant, and 3 GB from /dev/zero).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"
#include "kpu/ir/graph.pb.h"

namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A temporary tree: <root>/model is the graph's folder, <root>/secret.bin lies outside it.
class ExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") / ("external_data_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "model" / "sub");
    Write(root_ / "model" / "w.bin", std::string(16, '\1'));
    Write(root_ / "model" / "sub" / "w.bin", std::string(16, '\2'));
    Write(root_ / "secret.bin", std::string(16, '\3'));
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

  // A graph with one float32 constant of `elements` elements read from `path`.
  static std::string GraphBytes(const std::string& path, int64_t elements = 4, uint64_t length = 0,
                                uint64_t offset = 0) {
    kpu::ir::Graph g;
    g.set_name("g");
    kpu::ir::Tensor* w = g.add_tensors();
    w->set_name("w");
    w->set_dtype(kpu::ir::FLOAT32);
    w->add_shape(elements);
    w->mutable_external_data()->set_path(path);
    w->mutable_external_data()->set_length(length);
    w->mutable_external_data()->set_offset(offset);
    return g.SerializeAsString();
  }

  kpu_status Parse(const std::string& bytes, int allow = 0) {
    kpu_graph_parse_options o;
    kpu_graph_parse_options_init(&o);
    const std::string base = (root_ / "model").string();
    o.base_dir = base.c_str();
    o.allow_external_paths = allow;
    kpu_graph* g = nullptr;
    kpu_status s = kpu_graph_parse_with_options(bytes.data(), bytes.size(), &o, &g);
    if (s == KPU_OK) EXPECT_NE(g, nullptr); else EXPECT_EQ(g, nullptr);
    kpu_graph_destroy(g);
    return s;
  }

  fs::path root_;
};

TEST_F(ExternalData, FilesInsideTheGraphsFolderAreRead) {
  EXPECT_EQ(Parse(GraphBytes("w.bin")), KPU_OK) << kpu_last_error();
  EXPECT_EQ(Parse(GraphBytes("sub/w.bin")), KPU_OK) << kpu_last_error();
  EXPECT_EQ(Parse(GraphBytes("sub/../w.bin")), KPU_ERROR_INVALID_ARGUMENT);  // ".." is refused even when it stays
  const std::string base = (root_ / "model").string();
  kpu_graph* g = nullptr;
  const std::string bytes = GraphBytes("w.bin");
  EXPECT_EQ(kpu_graph_parse(bytes.data(), bytes.size(), base.c_str(), &g), KPU_OK) << kpu_last_error();
  kpu_graph_destroy(g);
}

TEST_F(ExternalData, AbsolutePathsAreRefusedUnlessAllowed) {
  for (const std::string path : {std::string("/etc/passwd"), (root_ / "secret.bin").string()}) {
    EXPECT_EQ(Parse(GraphBytes(path)), KPU_ERROR_INVALID_ARGUMENT) << path;
    EXPECT_THAT(kpu_last_error(), AllOf(HasSubstr("constant 'w'"), HasSubstr("is absolute"),
                                        HasSubstr("unless the caller allows")));
  }
  // The old entry point has the same default.
  const std::string bytes = GraphBytes("/etc/passwd");
  kpu_graph* g = nullptr;
  EXPECT_EQ(kpu_graph_parse(bytes.data(), bytes.size(), nullptr, &g), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(g, nullptr);
  // Opting in reads it.
  EXPECT_EQ(Parse(GraphBytes((root_ / "secret.bin").string()), 1), KPU_OK) << kpu_last_error();
}

TEST_F(ExternalData, ClimbingOutIsRefusedUnlessAllowed) {
  EXPECT_EQ(Parse(GraphBytes("../secret.bin")), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("climbs out of the graph's folder"));
  EXPECT_EQ(Parse(GraphBytes("../secret.bin"), 1), KPU_OK) << kpu_last_error();
}

// Symlinks in the folder are its owner's (runfiles are made of them); one to a device is still
// no data file.
TEST_F(ExternalData, SymlinksInTheFolderAreFollowedButNotToDevices) {
  fs::create_symlink(root_ / "model" / "w.bin", root_ / "model" / "link.bin");
  EXPECT_EQ(Parse(GraphBytes("link.bin")), KPU_OK) << kpu_last_error();
  fs::create_symlink("/dev/zero", root_ / "model" / "zero.bin");
  EXPECT_EQ(Parse(GraphBytes("zero.bin", 750'000'000)), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("is not a regular file"));
}

TEST_F(ExternalData, LengthsAreCheckedBeforeReading) {
  // A length other than the tensor's, however large, is refused without reading.
  EXPECT_EQ(Parse(GraphBytes("w.bin", 4, uint64_t{3} << 30)), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), AllOf(HasSubstr("external data length 3221225472"), HasSubstr("16 bytes")));
  // A tensor larger than the file is refused from the file's size.
  EXPECT_EQ(Parse(GraphBytes("w.bin", 8)), KPU_ERROR_IO);
  EXPECT_THAT(kpu_last_error(), AllOf(HasSubstr("is 16 bytes"), HasSubstr("ends before byte 32")));
  EXPECT_EQ(Parse(GraphBytes("w.bin", 4, 0, ~uint64_t{0} - 4)), KPU_ERROR_IO);
  // A device is not a data file, even when the caller allows any path: /dev/zero never ends.
  EXPECT_EQ(Parse(GraphBytes("/dev/zero", 750'000'000), 1), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("is not a regular file"));
  // A tensor past the size limit is refused before its file is touched.
  EXPECT_EQ(Parse(GraphBytes("w.bin", int64_t{1} << 40)), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("a tensor may have"));
}

TEST_F(ExternalData, LoadFileResolvesBesideTheGraphFile) {
  Write(root_ / "model" / "good.dfg", GraphBytes("w.bin"));
  Write(root_ / "model" / "bad.dfg", GraphBytes("../secret.bin"));
  kpu_graph* g = nullptr;
  EXPECT_EQ(kpu_graph_load_file((root_ / "model" / "good.dfg").c_str(), &g), KPU_OK) << kpu_last_error();
  kpu_graph_destroy(g);
  g = nullptr;
  EXPECT_EQ(kpu_graph_load_file((root_ / "model" / "bad.dfg").c_str(), &g), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), AllOf(HasSubstr("bad.dfg"), HasSubstr("climbs out")));
  EXPECT_EQ(g, nullptr);
}

}  // namespace
