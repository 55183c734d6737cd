// A self-contained SVG bar chart of ensemble-bench's ratios, readable in any
// browser: one row per workload, a bar per comparison (CAF, baseline), on a
// log scale where 1x means "as fast as ensemble".
#pragma once

#include <string>
#include <vector>

namespace ensemble_bench {

struct ChartRow {
  std::string workload;
  struct Bar {
    std::string label;  // "CAF", "tbb", "floor"
    double ratio;       // other runtime's time / ensemble's time
  };
  std::vector<Bar> bars;
};

// The axis spans 0.1x to 100x, widened by decades to take every ratio.
std::string ratio_chart_svg(const std::vector<ChartRow>& rows, const std::string& title);
// A bar's figure: two significant digits below 1x ("0.041x"), one decimal
// below 10x, none above.
std::string format_ratio(double ratio);

}  // namespace ensemble_bench
