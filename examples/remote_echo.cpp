// Two programs in one: a syndicate that serves an echo actor over TCP, and
// one that asks it (docs/remote.md).
//
//   remote_echo serve [PORT]                  prints its syndicate id, the
//                                             echo's actor id and the port,
//                                             then serves until stdin closes
//   remote_echo ask SYNDICATE-ID PORT TEXT    looks up "echo" there, asks it
//
// Both read the shared secret from ENSEMBLE_SECRET (make one with
// `openssl rand -hex 32`).
#include <cstdlib>
#include <iostream>
#include <string>

#include <ensemble/ensemble.hpp>

struct Echo : ensemble::Actor {
  ensemble::Payload process(ensemble::Message& m) { return ensemble::Payload("echo: " + m.get<std::string>()); }
};

ensemble::SyndicateConfig remote_config(std::uint16_t port) {
  const char* secret = std::getenv("ENSEMBLE_SECRET");
  if (secret == nullptr || *secret == '\0') {
    std::cerr << "set ENSEMBLE_SECRET to the secret both sides share\n";
    std::exit(2);
  }
  ensemble::SyndicateConfig config;
  config.remote.enabled = true;
  config.remote.port = port;
  config.remote.secret = secret;
  return config;
}

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "serve") {
    ensemble::Syndicate syn("remote-echo-server", remote_config(argc > 2 ? static_cast<std::uint16_t>(std::stoi(argv[2])) : 0));
    const auto echo = syn.create_actor<Echo>();
    syn.publish("echo", echo);
    std::cout << "syndicate " << syn.id().uuid() << "\nactor " << echo.actor_id().actor_id() << "\nport "
              << syn.remote_address().port << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    return 0;
  }
  if (role == "ask" && argc == 5) {
    ensemble::Syndicate syn("remote-echo-client", remote_config(0));
    const ensemble::SyndicateId server(argv[2]);
    syn.connect(server, "127.0.0.1", static_cast<std::uint16_t>(std::stoi(argv[3])));
    try {
      const auto echo = syn.lookup(server, "echo");
      std::cout << syn.ask(echo, ensemble::Payload(std::string(argv[4])), std::chrono::seconds(5)).get().get<std::string>()
                << std::endl;
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "remote_echo: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "usage: remote_echo serve [PORT] | remote_echo ask SYNDICATE-ID PORT TEXT\n";
  return 2;
}
