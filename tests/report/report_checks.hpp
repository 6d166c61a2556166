// Checks shared by the report CLI tests: the page is well-formed XML, self-contained, and every plot
// has a title, two axes with axis lines, tick labels and axis titles carrying a unit "(...)".
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "report/xml_check.hpp"

namespace burst::test {

inline std::vector<const xml::Node*> plots_of(const xml::Node& root) {
  return root.find_all([](const xml::Node& n) { return n.name == "svg" && n.has_class("plot"); });
}

inline void expect_plot_is_labelled(const xml::Node& svg) {
  const std::string id = svg.attr("data-plot") ? *svg.attr("data-plot") : "?";
  SCOPED_TRACE("plot " + id);
  EXPECT_NE(svg.attr("data-plot"), nullptr);
  EXPECT_NE(svg.attr("viewBox"), nullptr);
  const auto titles =
      svg.find_all([](const xml::Node& n) { return n.name == "text" && n.has_class("plot-title"); });
  ASSERT_EQ(titles.size(), 1u);
  EXPECT_FALSE(titles[0]->all_text().empty());
  for (const char* axis : {"x", "y"}) {
    SCOPED_TRACE(std::string("axis ") + axis);
    const auto g = svg.find_all(
        [&](const xml::Node& n) { return n.name == "g" && n.has_class("axis") && n.has_class(axis); });
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0]->find_all([](const xml::Node& n) { return n.name == "line" && n.has_class("axis-line"); })
                  .size(),
              1u);
    const auto ticks =
        g[0]->find_all([](const xml::Node& n) { return n.name == "text" && n.has_class("tick-label"); });
    EXPECT_GE(ticks.size(), 2u);
    for (const auto* t : ticks) EXPECT_FALSE(t->all_text().empty());
    const auto title =
        g[0]->find_all([](const xml::Node& n) { return n.name == "text" && n.has_class("axis-title"); });
    ASSERT_EQ(title.size(), 1u);
    // A unit in parentheses at the end: "time (ms)", "ring.overlap (choice)".
    EXPECT_TRUE(std::regex_search(title[0]->all_text(), std::regex(R"(\S \([^()]+\)$)")))
        << title[0]->all_text();
  }
}

// Parses the page; checks the root, that it loads nothing from outside, and every plot's labels.
// Returns the number of plots.
inline int check_report_page(const std::string& html) {
  std::unique_ptr<xml::Node> root;
  try {
    root = xml::parse(html);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "report is not well-formed: " << e.what();
    return 0;
  }
  EXPECT_EQ(root->name, "html");
  EXPECT_EQ(root->find_all([](const xml::Node& n) {
                  return n.name == "script" || n.name == "link" || n.name == "img" || n.name == "iframe";
                })
                .size(),
            0u);
  root->visit([](const xml::Node& n) {
    for (const auto& [k, v] : n.attrs) {
      if (k == "xmlns") continue;  // namespace names, not fetched
      EXPECT_EQ(v.find("://"), std::string::npos) << "external reference " << k << "=" << v;
      EXPECT_NE(k, "src");
    }
  });
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  const auto plots = plots_of(*root);
  for (const auto* p : plots) expect_plot_is_labelled(*p);
  return static_cast<int>(plots.size());
}

}  // namespace burst::test
