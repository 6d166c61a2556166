// `run`/`plan`/`tune` with --mask, --doc-lens and --window (docs/cli.md "Masks"): the whole pipeline
// checked against float64 for documents, windows and the per_document layout; the one-line refusals
// naming the flag; the profile entry keyed by the mask kind.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "support/temp_dir.hpp"
#include "support/text_file.hpp"

namespace burst::test {
namespace {

const std::string kRun =
    "--json run --seq 256 --heads 4 --kv-heads 2 --head-dim 32 --iters 1 --warmup 0 --threads 1 --tile-q 16 "
    "--tile-kv 16";

nlohmann::json json_of(const CliResult& r) {
  return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

void expect_checked(const std::string& args, const std::string& kind) {
  const CliResult r = run_cli(kRun + " --check " + args);
  ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  const auto j = json_of(r);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["shape"]["mask"], kind) << args;
  EXPECT_TRUE(j["check"]["ok"].get<bool>()) << j["check"].dump();
  EXPECT_EQ(j["forward"]["bytes_sent_per_rank"], j["forward"]["expected_bytes_per_rank"]) << j.dump();
  if (j["world"].get<int>() > 1) {
    EXPECT_GE(j["imbalance"].get<double>(), 1.0);
  }
}

TEST(RunMask, DocumentsAndWindowsMatchFloat64OnEveryLayout) {
  expect_checked("--world 4 --mask causal_document --doc-lens 1,99,20,136 --layout per_document",
                 "causal_document");
  expect_checked("--world 4 --mask full_document --doc-lens 100,156 --layout striped --bwd-comm kv",
                 "full_document");
  expect_checked("--world 4 --mask sliding_window --window 30,0 --layout zigzag", "sliding_window");
  expect_checked("--world 2 --no-causal --window 9,17", "sliding_window");
  expect_checked("--world 4 --mask causal_document --doc-lens 128,128 --window 20,0", "causal_document");
}

TEST(RunMask, DocLensFromANpyOfCuSeqlens) {
  TempDir dir("doc_lens_npy");
  // A hand-written .npy of int64 cu_seqlens {0, 56, 256}.
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header;
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{56}, std::int64_t{256}})
    file.append(reinterpret_cast<const char*>(&v), 8);
  std::ofstream(dir.file("cu.npy"), std::ios::binary) << file;
  expect_checked("--world 2 --mask causal_document --doc-lens " + dir.file("cu.npy"), "causal_document");
}

TEST(RunMask, BadMaskInputIsOneLineNamingTheFlag) {
  struct Bad {
    std::string args, message;
  };
  const std::vector<Bad> cases = {
      {"--mask causal_document", "--mask causal_document needs --doc-lens"},
      {"--mask causal_document --doc-lens 100,100",
       "--doc-lens: the documents hold 200 tokens but --seq is 256"},
      {"--mask causal_document --doc-lens 100,x,56", "--doc-lens: 'x' is not a document length"},
      {"--doc-lens 0,256", "--doc-lens: '0' is not a document length"},
      {"--mask sliding_window", "--mask sliding_window needs --window L,R"},
      {"--window 5", "--window: '5' is not a window"},
      {"--window -2,0", "--window: '-2,0' is not a window"},
      {"--mask full --causal", "--causal contradicts --mask full"},
      {"--mask causal --doc-lens 128,128", "--doc-lens needs a document mask"},
      {"--mask spiral",
       "--mask: 'spiral' is not one of full|causal|full_document|causal_document|sliding_window"},
  };
  for (const Bad& b : cases) {
    const CliResult r = run_cli("run --seq 256 --world 2 --iters 1 " + b.args);
    EXPECT_EQ(r.exit_code, 2) << b.args << "\n" << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << b.args << "\n" << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST(RunMask, ACausalWindowSendsFewerBytesThanTheFullRing) {
  const auto bytes = [](const std::string& extra) {
    const CliResult r = run_cli(kRun + " --world 4 --pass fwd " + extra);
    const auto j = json_of(r);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j.is_discarded() ? std::uint64_t{0} : j["forward"]["bytes_sent_per_rank"].get<std::uint64_t>();
  };
  const std::uint64_t full = bytes("--causal"), window = bytes("--causal --window 16,0");
  EXPECT_EQ(full, 3 * window) << "64 rows per rank, window 16: the ring stops after 2 of 4 steps";
}

TEST(TuneMask, DocumentPresetKeysItsProfileEntryByMaskKind) {
  TempDir dir("tune_docs");
  const CliResult r = run_cli(
      "tune --preset small-docs --seq 512 --world 2 --max-trials 4 --min-samples 2 "
      "--max-samples 3 --confirm 1 --no-trace --db " +
      dir.file("t.db") + " --out " + dir.file("p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto p = nlohmann::json::parse(slurp(dir.file("p.json")));
  ASSERT_FALSE(p["entries"].empty());
  EXPECT_EQ(p["entries"][0]["key"]["mask"], "causal_document") << p.dump();
  // A run of the same workload selects that entry; a plain causal run does not.
  const std::string run =
      "run --json --heads 8 --kv-heads 4 --head-dim 64 --seq 512 --world 2 --iters 1 "
      "--warmup 0 --profile " +
      dir.file("p.json");
  const auto docs = json_of(run_cli(run + " --mask causal_document --doc-lens 160,32,96,224"));
  ASSERT_FALSE(docs.is_discarded());
  EXPECT_EQ(docs["profile"]["source"], "exact") << docs["profile"].dump();
  const auto plain = json_of(run_cli(run + " --causal"));
  ASSERT_FALSE(plain.is_discarded());
  EXPECT_EQ(plain["profile"]["source"], "defaults") << plain["profile"].dump();
}

}  // namespace
}  // namespace burst::test
