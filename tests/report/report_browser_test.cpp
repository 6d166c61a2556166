// The report rendered by a real browser: headless Chromium (Debian's `chromium`) screenshots the
// page of the fixture tuning database and the test checks that each kind of plot drew its marks
// (pixels of the plot's own colours, cli/report_charts.hpp) and that the page is not blank.
// Skips with a message when Chromium (or zlib to read the PNG) is not available; CI installs it
// (scripts/install-deps.sh --browser). BURST_REPORT_SCREENSHOT=path keeps a copy of the screenshot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/run_cli.hpp"
#include "report/report_fixtures.hpp"

#if BURST_TEST_HAVE_ZLIB
#include "report/png_decode.hpp"
#endif

namespace {

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

struct Colour {
  const char* name;
  int r, g, b;
  long min_pixels;
};

TEST(ReportBrowser, ChromiumRendersEveryKindOfPlot) {
#if !BURST_TEST_HAVE_ZLIB
  GTEST_SKIP() << "zlib not found at configure time: cannot read the screenshot";
#else
  const std::string chromium = find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "chromium not installed (apt-get install chromium, or scripts/install-deps.sh --browser)";
  burst::test::TempDir dir;
  burst::test::make_tuning_db(dir.file("t.db"));
  const std::string html = dir.file("report.html"), png = dir.file("shot.png");
  const auto r = burst::test::run_cli("report --db " + dir.file("t.db") + " -o " + html);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::filesystem::create_directories(dir.file("profile"));
  const std::string cmd = "timeout 120 " + chromium +
                          " --headless --no-sandbox --disable-gpu --hide-scrollbars "
                          "--user-data-dir=" +
                          dir.file("profile") + " --window-size=1280,4200 --screenshot=" + png + " file://" +
                          html + " >" + dir.file("chromium.log") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << "chromium failed: " << burst::test::slurp(dir.file("chromium.log"));
  const std::string bytes = burst::test::slurp(png);
  if (const char* keep = std::getenv("BURST_REPORT_SCREENSHOT"))
    std::ofstream(keep, std::ios::binary) << bytes;

  burst::test::Image img;
  std::string why;
  ASSERT_TRUE(burst::test::decode_png(bytes, img, why)) << why;
  EXPECT_EQ(img.width, 1280);

  // Each colour belongs to one kind of mark; thresholds are a small fraction of what the page draws.
  const Colour colours[] = {
      {"parameter bars", 0x8f, 0xb0, 0xd6, 300},
      {"winner's bars", 0x1f, 0x5f, 0x99, 300},
      {"history points", 0x3b, 0x6f, 0xb6, 30},
      {"best-so-far line", 0x2c, 0xa0, 0x2c, 100},
      {"timeline compute", 0x4e, 0x79, 0xa7, 500},
      {"timeline send", 0xf2, 0x8e, 0x2b, 300},
      {"timeline recv", 0x59, 0xa1, 0x4f, 300},
      {"timeline wait", 0xb0, 0x7a, 0xa1, 100},
      {"communication not overlapped", 0xe1, 0x57, 0x59, 100},
      {"waiting for a late peer", 0xed, 0xc9, 0x48, 100},
  };
  long non_background = 0;
  std::vector<long> counts(std::size(colours), 0);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const auto* p = img.at(x, y);
      if (std::abs(p[0] - 0xf6) + std::abs(p[1] - 0xf7) + std::abs(p[2] - 0xf9) > 6) ++non_background;
      for (std::size_t c = 0; c < std::size(colours); ++c) {
        if (std::abs(p[0] - colours[c].r) <= 3 && std::abs(p[1] - colours[c].g) <= 3 &&
            std::abs(p[2] - colours[c].b) <= 3)
          ++counts[c];
      }
    }
  }
  EXPECT_GT(non_background, static_cast<long>(img.width) * img.height / 10) << "the page looks blank";
  for (std::size_t c = 0; c < std::size(colours); ++c) {
    EXPECT_GE(counts[c], colours[c].min_pixels)
        << colours[c].name << " barely visible: " << counts[c] << " pixels";
  }
#endif
}

}  // namespace
