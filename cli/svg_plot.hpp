// A small SVG plot builder for `burst-tune report`: a frame with a title, a y axis and an x axis
// (linear or categorical), each with an axis line, ticks, tick labels and a title carrying the unit,
// and a body the caller draws into with the frame's scales. Output is XML (every tag closed,
// attributes quoted, text escaped) so the report is XHTML-compatible.
//
//   svg::Plot p("history-0", 560, 300, "Tuning history");
//   p.x_linear(0, 12, "evaluation order (trial #)");
//   p.y_linear(0, 2.5, "time (ms)");
//   p.add(fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\"/>", p.x(3), p.y(1.2)));
//   std::string markup = p.str();
//
// Every plot carries class="plot" and data-plot="<id>"; axes are <g class="axis x|y"> holding a
// <line class="axis-line">, <text class="tick-label"> and <text class="axis-title">; the title is
// <text class="plot-title">. tests/report checks exactly these.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace burst::cli::svg {

std::string escape(std::string_view text);  // & < > " '
std::string num(double v);                  // coordinates: at most 2 decimals, no trailing zeros

// "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi]; the first and last tick enclose it.
struct Ticks {
  std::vector<double> values;
  int decimals = 0;
  std::string label(double v) const;
};
Ticks nice_ticks(double lo, double hi, int target = 5);

struct Margins {
  double left = 64, right = 16, top = 34, bottom = 46;
};

class Plot {
 public:
  Plot(std::string id, double width, double height, std::string title, Margins m = {});

  // Axes. Linear axes round their range out to nice ticks. A categorical axis places n bands.
  void x_linear(double lo, double hi, std::string title);
  void x_categories(std::vector<std::string> names, std::string title);
  void y_linear(double lo, double hi, std::string title);
  // A y axis of named rows (the timeline): labels at the given y positions, no ticks of value.
  void y_rows(std::vector<std::pair<double, std::string>> rows, std::string title);

  double x(double v) const;         // linear x value -> px
  double y(double v) const;         // linear y value -> px
  double band_center(int i) const;  // categorical x band i -> px
  double band_width() const;
  double left() const { return m_.left; }
  double right() const { return width_ - m_.right; }
  double top() const { return m_.top; }
  double bottom() const { return height_ - m_.bottom; }

  void add(std::string element) { body_ += element; }
  // A legend row of (colour, label) swatches at the top right, above the plot area.
  void legend(const std::vector<std::pair<std::string, std::string>>& items);

  std::string str() const;

 private:
  std::string id_, title_;
  double width_, height_;
  Margins m_;
  double x_lo_ = 0, x_hi_ = 1, y_lo_ = 0, y_hi_ = 1;
  std::size_t bands_ = 0;
  std::string x_axis_, y_axis_, body_, legend_;
};

}  // namespace burst::cli::svg
