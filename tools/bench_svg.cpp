#include "tools/bench_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ensemble_bench {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* colour(const std::string& label) {
  if (label == "CAF") return "#c0504d";
  if (label == "tbb") return "#4f81bd";
  return "#9bbb59";
}

}  // namespace

// A ratio with the digits it needs: 42x, 3.4x, 0.52x, 0.041x (never "0.0x").
std::string format_ratio(double ratio) {
  char buf[32];
  if (ratio >= 10.0) {
    std::snprintf(buf, sizeof buf, "%.0fx", ratio);
  } else if (ratio >= 1.0) {
    std::snprintf(buf, sizeof buf, "%.1fx", ratio);
  } else {
    std::snprintf(buf, sizeof buf, "%.2gx", ratio);
  }
  return buf;
}

std::string ratio_chart_svg(const std::vector<ChartRow>& rows, const std::string& title) {
  // Log10 scale from 1/10x to 100x at least, widened by whole decades to
  // reach the smallest and the largest ratio, so no bar is cut; bars start
  // at 1x (left of it: slower).
  double lo = -1.0, hi = 2.0;
  for (const auto& r : rows) {
    for (const auto& b : r.bars) {
      if (!(b.ratio > 0.0) || !std::isfinite(b.ratio)) continue;
      lo = std::min(lo, std::floor(std::log10(b.ratio)));
      hi = std::max(hi, std::ceil(std::log10(b.ratio)));
    }
  }
  const int label_w = 190, plot_w = 560 + 90 * static_cast<int>((hi - lo) - 3.0), bar_h = 14, gap = 6, top = 50;
  int height = top + 40;
  for (const auto& r : rows) height += static_cast<int>(r.bars.size()) * (bar_h + 2) + gap;
  auto x_of = [&](double ratio) {
    double l = std::clamp(std::log10(std::max(ratio, 1e-12)), lo, hi);
    return label_w + (l - lo) / (hi - lo) * plot_w;
  };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + plot_w + 120 << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg << "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" << escape(title) << "</text>\n";
  svg << "<text x=\"10\" y=\"38\" fill=\"#555\">other runtime's time / ensemble's time (log scale; right of 1x: ensemble is faster)</text>\n";
  std::vector<double> ticks;
  for (double decade = lo; decade <= hi; decade += 1.0) {
    ticks.push_back(std::pow(10.0, decade));
    if (decade < hi) ticks.push_back(3.0 * std::pow(10.0, decade));
  }
  for (double tick : ticks) {
    double x = x_of(tick);
    svg << "<line x1=\"" << x << "\" y1=\"" << top - 4 << "\" x2=\"" << x << "\" y2=\"" << height - 30
        << "\" stroke=\"" << (std::fabs(tick - 1.0) < 1e-9 ? "#000" : "#ddd") << "\"/>\n";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%gx", tick);
    svg << "<text x=\"" << x << "\" y=\"" << height - 14 << "\" text-anchor=\"middle\" fill=\"#555\">" << buf
        << "</text>\n";
  }
  int y = top;
  for (const auto& r : rows) {
    svg << "<text x=\"" << label_w - 8 << "\" y=\"" << y + bar_h - 3 << "\" text-anchor=\"end\">" << escape(r.workload)
        << "</text>\n";
    for (const auto& b : r.bars) {
      double x1 = x_of(1.0), x2 = x_of(b.ratio);
      svg << "<rect x=\"" << std::min(x1, x2) << "\" y=\"" << y << "\" width=\"" << std::max(1.0, std::fabs(x2 - x1))
          << "\" height=\"" << bar_h << "\" fill=\"" << colour(b.label) << "\"/>\n";
      svg << "<text x=\"" << std::max(x1, x2) + 4 << "\" y=\"" << y + bar_h - 3 << "\">"
          << escape(b.label + " " + format_ratio(b.ratio)) << "</text>\n";
      y += bar_h + 2;
    }
    y += gap;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace ensemble_bench
