// Identities that other syndicates understand: spark's SyndicateId and
// ActorId. spark names a syndicate by uuid5(NAMESPACE_DNS, name) (a random
// uuid4 when it has no name) and an actor by a uuid string; peers match both
// by exact string, so these keep the text they were given and compare it
// byte for byte.
//
// Thread safety: values; const members may be called from any thread.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include <ensemble/export.hpp>

namespace ensemble {

class ENSEMBLE_API SyndicateId {
 public:
  SyndicateId() = default;  // empty: no syndicate
  // Takes a peer's text as it is (any non-empty string on the wire; spark's
  // are canonical lower-case uuids).
  explicit SyndicateId(std::string uuid) : uuid_(std::move(uuid)) {}
  // spark's SyndicateId.from_name: uuid5(NAMESPACE_DNS, name), so the same
  // name gives the same id in every process and language.
  static SyndicateId from_name(std::string_view name);
  // A fresh random (version 4) uuid, as spark gives an unnamed syndicate.
  static SyndicateId random();

  const std::string& uuid() const noexcept { return uuid_; }
  bool empty() const noexcept { return uuid_.empty(); }
  // spark's str form, for logs only: "System(98482603)".
  std::string to_string() const;

  friend bool operator==(const SyndicateId&, const SyndicateId&) = default;
  friend auto operator<=>(const SyndicateId&, const SyndicateId&) = default;

 private:
  std::string uuid_;
};

class ENSEMBLE_API ActorId {
 public:
  ActorId() = default;
  ActorId(SyndicateId syndicate, std::string actor) : syndicate_(std::move(syndicate)), actor_(std::move(actor)) {}

  const SyndicateId& syndicate_id() const noexcept { return syndicate_; }
  const std::string& actor_id() const noexcept { return actor_; }
  bool empty() const noexcept { return actor_.empty(); }
  // spark's str form, for logs only: "Actor(98482603:7bc44254)".
  std::string to_string() const;

  friend bool operator==(const ActorId&, const ActorId&) = default;
  friend auto operator<=>(const ActorId&, const ActorId&) = default;

 private:
  SyndicateId syndicate_;
  std::string actor_;
};

// Canonical uuid text (8-4-4-4-12 lower-case hex) of 16 bytes.
ENSEMBLE_API std::string uuid_text(const unsigned char (&bytes)[16]);

}  // namespace ensemble
