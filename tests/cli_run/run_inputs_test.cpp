// burst-tune run's inputs and outputs that used to crash, hang or lose data: sizes whose products
// overflow or exceed the machine's memory, a FIFO or an empty array as --q, --save over an input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "support/temp_dir.hpp"
#include "tuner/npy.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

const std::string kSmall = "run --seq 256 --heads 2 --head-dim 32 --iters 1 --warmup 0 --threads 1";

// Exit 2 with one "burst-tune: error: " line containing every `mention`, nothing on stdout.
void expect_refused(const CliResult& r, const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("burst-tune: error: ", 0), 0u) << r.err;
  for (const auto& m : mentions) EXPECT_NE(r.err.find(m), std::string::npos) << r.err << " lacks " << m;
}

// Regression: B*N*H*d wrapped to 0 and memcpy wrote out of bounds (segfault). 2^42 x 2^20 x 1 x 64
// is 2^68: exactly 0 in 64 bits, like the 2^62 x 4 x 1 x 64 (which --batch no longer
// accepts as a number).
TEST(RunSizes, ProductThatOverflowsIsRefused) {
  for (const char* cmd : {"run", "trace"}) {
    TempDir dir(std::string("overflow_") + cmd);
    const std::string db = std::string(cmd) == "trace" ? " --db " + dir.file("t.db") : "";
    expect_refused(
        run_cli(std::string(cmd) + " --world 1 --batch 4294967296K --seq 1M --heads 1 --head-dim 64" + db),
        {"4398046511104 x 1048576 x 1 x 64", "too large"});
    EXPECT_FALSE(fs::exists(dir.file("t.db"))) << cmd;
  }
}

// Was "error: std::bad_alloc" (exit 1), or the OOM killer when overcommit let the allocation through.
TEST(RunSizes, TensorsLargerThanTheMachinesMemoryAreRefused) {
  expect_refused(run_cli("run --world 1 --batch 1073741824K --seq 4 --heads 1 --head-dim 64"),
                 {"1099511627776 x 4 x 1 x 64", "GiB of host memory"});
}

// Regression: a FIFO as --q blocked in open() until a writer came (forever).
TEST(RunInputs, FifoAsQIsRefusedAtOnce) {
  TempDir dir("fifo");
  const std::string fifo = dir.file("q.npy");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_cli(kSmall + " --q " + fifo);
  expect_refused(r, {fifo, "not a regular file"});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST(RunInputs, ZeroElementArrayIsRefusedNamingTheFile) {
  TempDir dir("empty");
  const std::string path = dir.file("q.npy");
  tuner::write_npy(path, {1, 0, 2, 32}, nullptr);
  expect_refused(run_cli(kSmall + " --q " + path), {path, "no elements", "(1, 0, 2, 32)"});
}

// --save DIR writes o.npy...: an input inside DIR with one of those names would be overwritten.
TEST(RunSave, OutputOverAnInputIsRefusedBeforeRunning) {
  TempDir dir("save_over_input");
  const std::string q = dir.file("o.npy");
  std::vector<float> data(1 * 256 * 2 * 32, 0.25f);
  tuner::write_npy(q, {1, 256, 2, 32}, data.data());
  const auto before = fs::file_size(q);
  expect_refused(run_cli(kSmall + " --q " + q + " --save " + dir.path.string()), {"--save", q, "--q"});
  EXPECT_EQ(fs::file_size(q), before);
  EXPECT_EQ(tuner::read_npy(q).data, data) << "the input was overwritten";
}

}  // namespace
}  // namespace burst::test
