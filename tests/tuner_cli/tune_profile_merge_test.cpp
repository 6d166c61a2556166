// Two tunes writing one --out at the same time: each used to read the profile at its start and write
// "what I read + mine" at its end, so the later rename dropped the other's entry (both printed
// "1 added", the file had one). The merge now re-reads the file under a lock on "<out>.lock".
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/temp_dir.hpp"
#include "support/text_file.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

pid_t start_shell(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TuneProfileMerge, ConcurrentTunesIntoOneOutKeepEveryEntry) {
  const TempDir scratch("tune_merge");
  const fs::path& dir = scratch.path;
  const std::string out = (dir / "profile.json").string();
  const std::string common =
      " --heads 2 --head-dim 32 --no-causal --pass fwd --world 1 --strategy exhaustive --space "
      "kernel.tile_q=32,64"
      " --space kernel.tile_kv=32 --min-samples 2 --max-samples 2 --warmup 0 --progress none --confirm 0 "
      "--out " +
      out;
  auto command = [&](const std::string& seq, const std::string& name) {
    return "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK '" BURST_TUNE_EXE "' --json tune --seq " +
           seq + " --db " + (dir / (name + ".db")).string() + common + " >" +
           (dir / (name + ".out")).string() + " 2>" + (dir / (name + ".err")).string();
  };
  // Different sequence lengths: two different profile keys.
  const pid_t a = start_shell(command("256", "a")), b = start_shell(command("512", "b"));
  ASSERT_EQ(wait_exit(a), 0) << slurp((dir / "a.err").string());
  ASSERT_EQ(wait_exit(b), 0) << slurp((dir / "b.err").string());
  const auto profile = nlohmann::json::parse(slurp(out), nullptr, false);
  ASSERT_TRUE(profile.is_object()) << slurp(out);
  ASSERT_EQ(profile.at("entries").size(), 2u) << "an entry was lost: " << profile.dump(1);
  std::set<std::int64_t> seqs;
  for (const auto& e : profile.at("entries")) seqs.insert(e.at("key").at("seq_max").get<std::int64_t>());
  EXPECT_EQ(seqs.size(), 2u) << profile.dump(1);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
}

}  // namespace
}  // namespace burst::test
