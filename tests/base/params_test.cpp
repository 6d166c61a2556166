// The parameter table (burst/params.hpp): one entry per Schedule parameter, defaults inside their
// allowed values, checks that name the parameter and what is allowed, lookups by name and flag.
#include "burst/params.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "burst/error.hpp"

namespace burst {
namespace {

TEST(ParamTable, EveryParameterOnceWithADefaultItAllows) {
  std::set<std::string> names, flags;
  for (const ParamDesc& p : schedule_params()) {
    EXPECT_TRUE(names.insert(std::string(p.name)).second) << p.name;
    EXPECT_TRUE(flags.insert(std::string(p.flag)).second) << p.flag;
    EXPECT_FALSE(p.check(p.default_text()).has_value()) << p.name << " default " << p.default_text();
    for (auto v : p.search) {
      EXPECT_FALSE(p.check(v).has_value()) << p.name << " searches " << v;
    }
    if (p.type == ParamType::choice) {
      EXPECT_EQ(p.choices.front(), p.default_text()) << p.name;
    }
  }
  EXPECT_EQ(names.size(), 13u);
  EXPECT_FALSE(check_param_values(Schedule{}).has_value());
}

TEST(ParamTable, GetAndSetRoundTripEveryAllowedChoice) {
  for (const ParamDesc& p : schedule_params()) {
    if (p.type != ParamType::choice) continue;
    for (auto c : p.choices) {
      Schedule s;
      set_param(s, p, c);
      EXPECT_EQ(p.get(s), c) << p.name;
    }
  }
  Schedule s;
  set_param(s, "kernel.tile_kv", "128");
  EXPECT_EQ(s.tile_kv, 128);
  EXPECT_EQ(param_value(s, "kernel.tile_kv"), "128");
}

TEST(ParamTable, RefusalsNameTheParameterTheValueAndWhatIsAllowed) {
  Schedule s;
  try {
    set_param(s, "kernel.tile_q", "24");
    FAIL() << "tile 24 accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("kernel.tile_q=24: expected 16..256, multiple of 16"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(set_param(s, "ring.overlap", "sometimes"), InvalidArgument);
  EXPECT_THROW(set_param(s, "kernel.tile_q", "64x"), InvalidArgument);
  EXPECT_THROW(set_param(s, "ring.nonsense", "1"), InvalidArgument);
  EXPECT_EQ(s, Schedule{}) << "a refused value changed the schedule";
  s.chunks = 9;
  const auto problem = check_param_values(s);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->param->name, "ring.chunks");
  EXPECT_EQ(problem->to_string(), "ring.chunks 9: expected 1..8");
}

TEST(ParamTable, FoundByNameOrFlag) {
  EXPECT_EQ(find_param("--tile-q"), find_param("kernel.tile_q"));
  ASSERT_NE(find_param("--group-size"), nullptr);
  EXPECT_EQ(find_param("--group-size")->name, "ring.group_size");
  EXPECT_EQ(find_param("tile_q"), nullptr);
  EXPECT_TRUE(require_param("kernel.warps").cuda_only);
}

}  // namespace
}  // namespace burst
