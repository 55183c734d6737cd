// What the in-process remote tests share: a configuration with the
// transport on (port 0, a secret, two workers).
#pragma once

#include <chrono>
#include <string>

#include <ensemble/ensemble.hpp>

namespace ensemble_test {

inline ensemble::SyndicateConfig remote_config(std::string secret = "s3cret",
                                               std::chrono::milliseconds down_after = std::chrono::milliseconds(2000)) {
  ensemble::SyndicateConfig c;
  c.workers = 2;
  c.remote.enabled = true;
  c.remote.secret = std::move(secret);
  c.remote.down_after = down_after;
  return c;
}

}  // namespace ensemble_test
