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

std::string ratio_chart_svg(const std::vector<ChartRow>& rows, const std::string& title);

}  // namespace ensemble_bench
