// Two processes writing one database at once (starting from a file that does not exist yet) both
// succeed: the second waits on the lock (WAL + busy timeout), nothing is lost or corrupted.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "db/trace_reader.hpp"
#include "db_fixtures.hpp"

using burst::db::Database;

namespace {

constexpr int trials_per_writer = 25;
constexpr int world = 2, steps = 50;
constexpr int ranges_per_trial = world * (1 + 5 * steps);

// Child body: returns the exit code.
int writer(const std::string& path, int read_fd, int id) {
  char go = 0;
  if (read(read_fd, &go, 1) < 0) return 3;  // EOF when the parent closes: both start together
  try {
    Database db(path, true);
    const auto session = db.begin_session("writer " + std::to_string(id), "{}");
    for (int i = 0; i < trials_per_writer; ++i) {
      const auto trial = db.begin_trial(session, "{\"writer\":" + std::to_string(id) + "}");
      db.add_samples(trial, 0, {0.1, 0.2});
      db.write_trace(trial, burst::test::synthetic_ring(world, steps, 64, 1000 * i));
      db.finish_trial(trial, "ok", "", "");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", id, e.what());
    return 1;
  }
  return 0;
}

}  // namespace

TEST(DbConcurrency, TwoProcessesWriteOneDatabase) {
  burst::test::TempDir dir;
  const auto path = dir.file("shared.sqlite");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t children[2];
  for (int id = 0; id < 2; ++id) {
    children[id] = fork();
    ASSERT_GE(children[id], 0);
    if (children[id] == 0) {
      close(fds[1]);
      _exit(writer(path, fds[0], id));
    }
  }
  close(fds[0]);
  close(fds[1]);
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a writer failed (see its stderr)";
  }
  Database db(path, false);
  auto q = [&](const std::string& sql) {
    auto s = db.prepare(sql);
    EXPECT_TRUE(s.step());
    return s.text(0);
  };
  EXPECT_EQ(q("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(q("SELECT count(*) FROM sessions"), "2");
  EXPECT_EQ(q("SELECT count(*) FROM trials WHERE status='ok'"), std::to_string(2 * trials_per_writer));
  EXPECT_EQ(q("SELECT count(*) FROM samples"), std::to_string(2 * 2 * trials_per_writer));
  EXPECT_EQ(q("SELECT count(*) FROM NVTX_EVENTS WHERE eventType=59"),
            std::to_string(2 * trials_per_writer * ranges_per_trial));
  EXPECT_EQ(q("SELECT count(*) FROM META_DATA_EXPORT WHERE name='BURST_SCHEMA_VERSION'"), "1")
      << "the schema was created once";
  EXPECT_EQ(q("SELECT count(*) FROM StringIds WHERE value='send'"), "1");
  for (auto trial : burst::db::list_trials(db)) {
    EXPECT_EQ(burst::db::load_trial_trace(db, trial).ranges.size(),
              static_cast<std::size_t>(ranges_per_trial))
        << "trial " << trial << " picked up another writer's rows";
  }
}
