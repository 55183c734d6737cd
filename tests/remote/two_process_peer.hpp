// What the two-process tests' peer serves (two_process_main.cpp) and the
// client expects (two_process_test.cpp).
#pragma once

#include <string>

#include <ensemble/ensemble.hpp>

namespace ensemble_test {

inline constexpr char peer_name[] = "remote-two-process-peer";
inline constexpr char client_name[] = "remote-two-process-client";
inline constexpr char peer_secret[] = "two processes, one secret";

// "echo:<text>"; "tell-back:<text>" tells the sender "told <text>" first;
// an int comes back plus one.
struct Echo : ensemble::Actor {
  ensemble::Payload process(ensemble::Message& m) {
    if (m.is<int>()) return ensemble::Payload(m.get<int>() + 1);
    const std::string& s = m.get<std::string>();
    if (s.rfind("tell-back:", 0) == 0) tell(ensemble::Payload(std::string("told ") + s.substr(10)), m.sender());
    return ensemble::Payload(std::string("echo:") + s);
  }
};

// Ints per sender in order: "?" answers "<next expected>/<out of order>".
struct Counter : ensemble::Actor {
  int expected = 0;
  int out_of_order = 0;
  ensemble::Payload process(ensemble::Message& m) {
    if (m.is<std::string>()) return ensemble::Payload(std::to_string(expected) + "/" + std::to_string(out_of_order));
    if (m.get<int>() != expected) ++out_of_order;
    expected = m.get<int>() + 1;
    return ensemble::Payload();
  }
};

// Never answers: an ask to it waits until something else ends it.
struct Silent : ensemble::Actor {
  void process(ensemble::Message&) {}
};

}  // namespace ensemble_test
