// The process tests' main: a worker process is this binary started again, so
// main() hands it to ensemble first (ensemble/process.hpp), as users do.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <ensemble/process.hpp>

int main(int argc, char** argv) {
  ensemble::serve_worker_if_spawned();
  doctest::Context context(argc, argv);
  return context.run();
}
