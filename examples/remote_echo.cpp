// Two programs in one: a syndicate that serves an echo actor over TCP, and
// one that asks it, on either protocol (docs/remote.md).
//
// ensemble's native protocol (authenticated; one connection, used both ways):
//   remote_echo serve [PORT]                  prints its syndicate id, the
//                                             echo's actor id and the port,
//                                             then serves until stdin closes
//   remote_echo ask SYNDICATE-ID PORT TEXT    looks up "echo" there, asks it
// Both read the shared secret from ENSEMBLE_SECRET (make one with
// `openssl rand -hex 32`).
//
// spark's protocol (what a Python spark syndicate speaks: no authentication,
// so loopback or a trusted network only; one connection per message; no
// lookup, so the client names the actor by id; replies go back by a route
// the server must know, so each side is given the other's port):
//   remote_echo serve-spark PORT CLIENT-PORT
//   remote_echo ask-spark SYNDICATE-ID PORT ACTOR-ID CLIENT-PORT TEXT
// The syndicates are named, so each knows the other's id (spark's
// SyndicateId.from_name).
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include <ensemble/ensemble.hpp>

namespace {

const char* const server_name = "remote-echo-server";
const char* const client_name = "remote-echo-client";

struct Echo : ensemble::Actor {
  ensemble::Payload process(ensemble::Message& m) { return ensemble::Payload("echo: " + m.get<std::string>()); }
};

std::uint16_t port_of(const char* text) { return static_cast<std::uint16_t>(std::stoi(text)); }

// spark's protocol needs no secret, but the listener also takes native
// connections, which need one: an unguessable one that nobody shares.
std::string random_secret() {
  std::random_device random;
  std::string s;
  for (int i = 0; i < 32; ++i) s += "0123456789abcdef"[random() % 16];
  return s;
}

ensemble::SyndicateConfig remote_config(std::uint16_t port, bool spark) {
  ensemble::SyndicateConfig config;
  config.remote.enabled = true;
  config.remote.port = port;
  config.remote.spark_compatible = spark;
  const char* secret = std::getenv("ENSEMBLE_SECRET");
  if (spark) {
    config.remote.secret = random_secret();
  } else if (secret != nullptr && *secret != '\0') {
    config.remote.secret = secret;
  } else {
    std::cerr << "set ENSEMBLE_SECRET to the secret both sides share\n";
    std::exit(2);
  }
  return config;
}

int serve(std::uint16_t port, bool spark, std::uint16_t client_port) {
  ensemble::Syndicate syn(server_name, remote_config(port, spark));
  const auto echo = syn.create_actor<Echo>();
  syn.publish("echo", echo);  // native peers look it up; spark peers name its id
  if (spark) {
    syn.connect(ensemble::SyndicateId::from_name(client_name), "127.0.0.1", client_port,
                ensemble::RemoteProtocol::spark);
  }
  std::cout << "syndicate " << syn.id().uuid() << "\nactor " << echo.actor_id().actor_id() << "\nport "
            << syn.remote_address().port << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}

int ask(const ensemble::SyndicateId& server, std::uint16_t port, const std::string& text, bool spark,
        const std::string& actor, std::uint16_t client_port) {
  ensemble::Syndicate syn(client_name, remote_config(client_port, spark));
  try {
    ensemble::ActorAddress echo;
    if (spark) {
      syn.connect(server, "127.0.0.1", port, ensemble::RemoteProtocol::spark);
      echo = syn.remote_actor(ensemble::ActorId(server, actor));
    } else {
      syn.connect(server, "127.0.0.1", port);
      echo = syn.lookup(server, "echo");
    }
    std::cout << syn.ask(echo, ensemble::Payload(text), std::chrono::seconds(5)).get().get<std::string>() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "remote_echo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "serve" && argc <= 3) return serve(argc > 2 ? port_of(argv[2]) : 0, false, 0);
  if (role == "ask" && argc == 5) return ask(ensemble::SyndicateId(argv[2]), port_of(argv[3]), argv[4], false, "", 0);
  if (role == "serve-spark" && argc == 4) return serve(port_of(argv[2]), true, port_of(argv[3]));
  if (role == "ask-spark" && argc == 7) {
    return ask(ensemble::SyndicateId(argv[2]), port_of(argv[3]), argv[6], true, argv[4], port_of(argv[5]));
  }
  std::cerr << "usage: remote_echo serve [PORT] | remote_echo ask SYNDICATE-ID PORT TEXT\n"
               "       remote_echo serve-spark PORT CLIENT-PORT | "
               "remote_echo ask-spark SYNDICATE-ID PORT ACTOR-ID CLIENT-PORT TEXT\n";
  return 2;
}
