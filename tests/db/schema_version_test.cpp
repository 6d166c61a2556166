// A damaged schema version names the file and the row instead of std::stoll's bare "stoll".
#include "db/schema.hpp"
#include "db_fixtures.hpp"

namespace {

using burst::db::Database;

std::string open_error_with_version(const burst::test::TempDir& dir, const std::string& value) {
  const auto path = dir.file("version.sqlite");
  std::filesystem::remove(path);
  {
    Database db(path, true);
    db.exec("UPDATE META_DATA_EXPORT SET value='" + value + "' WHERE name='BURST_SCHEMA_VERSION'");
  }
  try {
    Database db(path, false);
  } catch (const burst::InvalidArgument& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "";
}

TEST(DbSchemaVersion, NotANumberNamesFileAndRow) {
  burst::test::TempDir dir;
  for (const std::string value : {"abc", "", "2x", "99999999999999999999"}) {
    const std::string msg = open_error_with_version(dir, value);
    EXPECT_NE(msg.find(dir.file("version.sqlite")), std::string::npos) << value << ": " << msg;
    EXPECT_NE(msg.find("BURST_SCHEMA_VERSION is \"" + value + "\", expected a whole number"),
              std::string::npos)
        << value << ": " << msg;
    EXPECT_EQ(msg.find("stoll"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(DbSchemaVersion, ControlCharactersInTheValueAreEscaped) {
  burst::test::TempDir dir;
  const std::string msg = open_error_with_version(dir, "1\x1b[2J");
  EXPECT_NE(msg.find("1\\x1b[2J"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
}

}  // namespace
