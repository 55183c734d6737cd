// ensemble-bench's chart and figures: a ratio far below 1x keeps its digits
// and its whole bar (issue: oneTBB's skynet row printed "tbb 0.0x", its bar
// cut at the 0.1x axis).
#include <doctest/doctest.h>

#include <string>

#include "tools/bench_svg.hpp"

using ensemble_bench::ChartRow;
using ensemble_bench::format_ratio;
using ensemble_bench::ratio_chart_svg;

TEST_CASE("ratios print with the digits they need") {
  CHECK(format_ratio(42.4) == "42x");
  CHECK(format_ratio(3.44) == "3.4x");
  CHECK(format_ratio(0.52) == "0.52x");
  CHECK(format_ratio(0.041) == "0.041x");
  CHECK(format_ratio(0.0017) == "0.0017x");
}

TEST_CASE("the axis reaches the smallest and the largest ratio") {
  const std::vector<ChartRow> rows = {{"skynet", {{"CAF", 3.0}, {"tbb", 0.041}}}, {"ping-pong", {{"CAF", 250.0}}}};
  const std::string svg = ratio_chart_svg(rows, "test");
  CHECK(svg.find("tbb 0.041x") != std::string::npos);
  CHECK(svg.find(">0.01x<") != std::string::npos);   // a decade below 0.041
  CHECK(svg.find(">1000x<") != std::string::npos);   // a decade above 250
  // The plain case keeps the 0.1x .. 100x axis.
  const std::string plain = ratio_chart_svg({{"ask", {{"CAF", 5.0}}}}, "test");
  CHECK(plain.find(">0.1x<") != std::string::npos);
  CHECK(plain.find(">100x<") != std::string::npos);
  CHECK(plain.find(">0.01x<") == std::string::npos);
}
