// The deterministic cases of the actress reference suite (no timers, no
// threads), each defined in its section's file: bNN(syn) runs the case and
// renders its result, bNN_expect is what the reference gives. Declared here so
// that deterministic_repeat_test.cpp can repeat them all (and so that the
// const expectations have external linkage where they are defined).
#pragma once

#include <string>

#include "tests/conformance/actress_support.hpp"

namespace actress_cases {

// wait_test.cpp
std::string b01(Syndicate& syn);
extern const char* const b01_expect;
std::string b02(Syndicate& syn);
extern const char* const b02_expect;
std::string b03(Syndicate& syn);
extern const char* const b03_expect;
std::string b04(Syndicate& syn);
extern const char* const b04_expect;
std::string b05(Syndicate& syn);
extern const char* const b05_expect;
std::string b06(Syndicate& syn);
extern const char* const b06_expect;
std::string b07(Syndicate& syn);
extern const char* const b07_expect;
std::string b08(Syndicate& syn);
extern const char* const b08_expect;
// messaging_test.cpp
std::string b09(Syndicate& syn);
extern const char* const b09_expect;
std::string b10(Syndicate& syn);
extern const char* const b10_expect;
std::string b11(Syndicate& syn);
extern const char* const b11_expect;
std::string b12(Syndicate& syn);
extern const char* const b12_expect;
std::string b13(Syndicate& syn);
extern const char* const b13_expect;
std::string b14(Syndicate& syn);
extern const char* const b14_expect;
// subtasks_test.cpp
std::string b15(Syndicate& syn);
extern const char* const b15_expect;
std::string b16(Syndicate& syn);
extern const char* const b16_expect;
std::string b17(Syndicate& syn);
extern const char* const b17_expect;
std::string b18(Syndicate& syn);
extern const char* const b18_expect;
std::string b21(Syndicate& syn);
extern const char* const b21_expect;
// promise_test.cpp
std::string b33(Syndicate& syn);
extern const char* const b33_expect;
std::string b37(Syndicate& syn);
extern const char* const b37_expect;
// tag_test.cpp
std::string b39(Syndicate& syn);
extern const char* const b39_expect;
std::string b43(Syndicate& syn);
extern const char* const b43_expect;
// effect_test.cpp
std::string b45(Syndicate& syn);
extern const char* const b45_expect;
std::string b47(Syndicate& syn);
extern const char* const b47_expect;
std::string b49(Syndicate& syn);
extern const char* const b49_expect;
std::string b52(Syndicate& syn);
extern const char* const b52_expect;
// all_test.cpp
std::string b55(Syndicate& syn);
extern const char* const b55_expect;
// fork_api_test.cpp
std::string b61(Syndicate& syn);
extern const char* const b61_expect;
std::string b62(Syndicate& syn);
extern const char* const b62_expect;

}  // namespace actress_cases
