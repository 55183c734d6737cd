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

std::string ratio_chart_svg(const std::vector<ChartRow>& rows, const std::string& title) {
  // Log10 scale from 1/10x to 100x; bars start at 1x (left of it: slower).
  const double lo = -1.0, hi = 2.0;
  const int label_w = 190, plot_w = 560, bar_h = 14, gap = 6, top = 50;
  int height = top + 40;
  for (const auto& r : rows) height += static_cast<int>(r.bars.size()) * (bar_h + 2) + gap;
  auto x_of = [&](double ratio) {
    double l = std::clamp(std::log10(std::max(ratio, 1e-9)), lo, hi);
    return label_w + (l - lo) / (hi - lo) * plot_w;
  };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + plot_w + 120 << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg << "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" << escape(title) << "</text>\n";
  svg << "<text x=\"10\" y=\"38\" fill=\"#555\">other runtime's time / ensemble's time (log scale; right of 1x: ensemble is faster)</text>\n";
  for (double tick : {0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0}) {
    double x = x_of(tick);
    svg << "<line x1=\"" << x << "\" y1=\"" << top - 4 << "\" x2=\"" << x << "\" y2=\"" << height - 30
        << "\" stroke=\"" << (tick == 1.0 ? "#000" : "#ddd") << "\"/>\n";
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
      char buf[48];
      std::snprintf(buf, sizeof buf, "%s %.1fx", b.label.c_str(), b.ratio);
      svg << "<text x=\"" << std::max(x1, x2) + 4 << "\" y=\"" << y + bar_h - 3 << "\">" << escape(buf) << "</text>\n";
      y += bar_h + 2;
    }
    y += gap;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace ensemble_bench
