// The two-process tests' main: doctest, or (with --peer PORT) the peer
// process, which listens on PORT (0: any), prints the port on its first
// line, serves Echo, Counter and Silent, and answers commands on stdin:
//   ask NAME   looks up NAME in the client's syndicate, asks it "from the
//              peer" and prints the answer (or "error: ...") on a line.
// It shuts down when stdin closes.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <ensemble/ensemble.hpp>

#include "tests/remote/two_process_peer.hpp"

namespace {
int serve_peer(std::uint16_t port) {
  ensemble::SyndicateConfig c;
  c.workers = 2;
  c.remote.enabled = true;
  c.remote.port = port;
  c.remote.secret = ensemble_test::peer_secret;
  ensemble::Syndicate syn(ensemble_test::peer_name, c);
  syn.publish("echo", syn.create_actor<ensemble_test::Echo>());
  syn.publish("counter", syn.create_actor<ensemble_test::Counter>());
  syn.publish("silent", syn.create_actor<ensemble_test::Silent>());
  std::printf("%u\n", static_cast<unsigned>(syn.remote_address().port));
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.rfind("ask ", 0) == 0) {
      try {
        const auto client = ensemble::SyndicateId::from_name(ensemble_test::client_name);
        const auto target = syn.lookup(client, line.substr(4), std::chrono::seconds(20));
        const auto reply = syn.ask(target, ensemble::Payload(std::string("from the peer")), std::chrono::seconds(20)).get();
        std::printf("%s\n", reply.get<std::string>().c_str());
      } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--peer") == 0) return serve_peer(static_cast<std::uint16_t>(std::stoi(argv[2])));
  return doctest::Context(argc, argv).run();
}
