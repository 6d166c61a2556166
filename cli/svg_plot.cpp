// SVG frame, axes and legend for the report's plots (see svg_plot.hpp).
#include "cli/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/text.hpp"

namespace burst::cli::svg {

std::string escape(std::string_view raw) {
  // Bytes that are not UTF-8 (a database string can hold any) become U+FFFD: an XML parser
  // refuses the page otherwise.
  const std::string text = text::valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.2f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string Ticks::label(double v) const {
  return fmt::format("{:.{}f}", v, decimals);
}

Ticks nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double f : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = f * mag;
    if (step >= raw) break;
  }
  Ticks t;
  t.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(step / std::pow(10.0, -t.decimals) - 2.5) < 1e-6) ++t.decimals;  // 0.25 needs 2 decimals
  const double first = std::floor(lo / step + 1e-9) * step, last = std::ceil(hi / step - 1e-9) * step;
  for (double v = first; v <= last + step * 1e-6; v += step)
    t.values.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

Plot::Plot(std::string id, double width, double height, std::string title, Margins m)
    : id_(std::move(id)), title_(std::move(title)), width_(width), height_(height), m_(m) {}

double Plot::x(double v) const {
  return m_.left + (v - x_lo_) / (x_hi_ - x_lo_) * (width_ - m_.left - m_.right);
}
double Plot::y(double v) const {
  return height_ - m_.bottom - (v - y_lo_) / (y_hi_ - y_lo_) * (height_ - m_.top - m_.bottom);
}
double Plot::band_width() const {
  return (width_ - m_.left - m_.right) / static_cast<double>(std::max<std::size_t>(1, bands_));
}
double Plot::band_center(int i) const {
  return m_.left + band_width() * (i + 0.5);
}

namespace {
std::string axis_line(double x1, double y1, double x2, double y2) {
  return fmt::format(
      "<line class=\"axis-line\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\" "
      "stroke-width=\"1\"/>",
      num(x1), num(y1), num(x2), num(y2));
}
std::string tick_label(double x, double y, const char* anchor, std::string_view text) {
  return fmt::format(
      "<text class=\"tick-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\" font-size=\"11\" "
      "fill=\"#444\">{}</text>",
      num(x), num(y), anchor, escape(text));
}
}  // namespace

void Plot::x_linear(double lo, double hi, std::string title) {
  const Ticks t = nice_ticks(lo, hi, std::max(2, static_cast<int>((width_ - m_.left - m_.right) / 80)));
  x_lo_ = t.values.front();
  x_hi_ = t.values.back();
  std::string g = "<g class=\"axis x\">" + axis_line(m_.left, bottom(), right(), bottom());
  for (double v : t.values) {
    g += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>", num(x(v)),
                     num(bottom()), num(bottom() + 4));
    g += tick_label(x(v), bottom() + 16, "middle", t.label(v));
  }
  g += fmt::format(
      "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" "
      "fill=\"#222\">{}</text></g>",
      num((m_.left + right()) / 2), num(height_ - 8), escape(title));
  x_axis_ = std::move(g);
}

void Plot::x_categories(std::vector<std::string> names, std::string title) {
  bands_ = names.size();
  std::string g = "<g class=\"axis x\">" + axis_line(m_.left, bottom(), right(), bottom());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double c = band_center(static_cast<int>(i));
    g += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>", num(c),
                     num(bottom()), num(bottom() + 4));
    g += tick_label(c, bottom() + 16, "middle", names[i]);
  }
  g += fmt::format(
      "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" "
      "fill=\"#222\">{}</text></g>",
      num((m_.left + right()) / 2), num(height_ - 8), escape(title));
  x_axis_ = std::move(g);
}

void Plot::y_linear(double lo, double hi, std::string title) {
  const Ticks t = nice_ticks(lo, hi, std::max(2, static_cast<int>((height_ - m_.top - m_.bottom) / 40)));
  y_lo_ = t.values.front();
  y_hi_ = t.values.back();
  std::string g = "<g class=\"axis y\">" + axis_line(m_.left, m_.top, m_.left, bottom());
  for (double v : t.values) {
    g += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>", num(m_.left - 4),
                     num(y(v)), num(m_.left));
    g += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e6e6e6\"/>",
                     num(m_.left + 1), num(y(v)), num(right()));
    g += tick_label(m_.left - 7, y(v) + 4, "end", t.label(v));
  }
  const double cy = (m_.top + bottom()) / 2;
  g += fmt::format(
      "<text class=\"axis-title\" x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" text-anchor=\"middle\" "
      "font-size=\"12\" fill=\"#222\">{1}</text></g>",
      num(cy), escape(title));
  y_axis_ = std::move(g);
}

void Plot::y_rows(std::vector<std::pair<double, std::string>> rows, std::string title) {
  std::string g = "<g class=\"axis y\">" + axis_line(m_.left, m_.top, m_.left, bottom());
  for (const auto& [py, text] : rows) g += tick_label(m_.left - 6, py + 4, "end", text);
  const double cy = (m_.top + bottom()) / 2;
  g += fmt::format(
      "<text class=\"axis-title\" x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" text-anchor=\"middle\" "
      "font-size=\"12\" fill=\"#222\">{1}</text></g>",
      num(cy), escape(title));
  y_axis_ = std::move(g);
}

void Plot::legend(const std::vector<std::pair<std::string, std::string>>& items) {
  // Right-aligned row: estimate text widths (about 6.3 px per character at 11 px).
  double w = 0;
  for (const auto& [colour, label] : items) w += 18 + 6.3 * static_cast<double>(label.size()) + 12;
  double px = std::max(m_.left, right() - w);
  std::string g = "<g class=\"legend\">";
  for (const auto& [colour, label] : items) {
    g += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"10\" fill=\"{}\"/>", num(px),
                     num(m_.top - 22), colour);
    g += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">{}</text>", num(px + 16),
                     num(m_.top - 13), escape(label));
    px += 18 + 6.3 * static_cast<double>(label.size()) + 12;
  }
  legend_ = g + "</g>";
}

std::string Plot::str() const {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"{0}\" width=\"{1}\" "
      "height=\"{2}\" "
      "viewBox=\"0 0 {1} {2}\" role=\"img\" aria-label=\"{3}\">"
      "<rect x=\"0\" y=\"0\" width=\"{1}\" height=\"{2}\" fill=\"#ffffff\"/>"
      "<text class=\"plot-title\" x=\"{4}\" y=\"16\" font-size=\"13\" font-weight=\"600\" "
      "fill=\"#111\">{3}</text>"
      "{5}{6}{7}{8}</svg>",
      escape(id_), num(width_), num(height_), escape(title_), num(m_.left), y_axis_, body_, x_axis_, legend_);
}

}  // namespace burst::cli::svg
