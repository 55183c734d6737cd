// ensemble/codec_aggregates.hpp: plain structs cross without boilerplate.
//
// Including this header gives every aggregate (a struct with public fields,
// no constructors, no virtual functions, no base classes) a codec that
// writes its fields in declaration order, each with its own codec:
//
//   struct Order { std::string item; int quantity; std::optional<double> limit; };
//   static const bool registered = ensemble::register_type<Order>("shop.Order");
//
// Fields are found by Boost.PFR (libboost1.81-dev), which is why this is a
// header of its own: including it makes Boost's headers a requirement of
// the file that includes it, and only of that file. A type with its own
// Codec specialisation keeps it.
//
// The format has no field names: both sides must be built from the same
// definition. Adding, removing or reordering fields is a new type (give it a
// new registered name).
#pragma once

#include <type_traits>

#include <boost/pfr.hpp>

#include <ensemble/codec.hpp>

namespace ensemble {

namespace detail {
template <class T>
concept reflectable_aggregate = std::is_aggregate_v<T> && std::is_class_v<T> && !std::is_polymorphic_v<T>;
}

template <class T>
  requires detail::reflectable_aggregate<T>
struct Codec<T, void> {
  static void encode(ByteWriter& w, const T& v) {
    boost::pfr::for_each_field(v, [&](const auto& field) {
      Codec<std::remove_cvref_t<decltype(field)>>::encode(w, field);
    });
  }
  static T decode(ByteReader& r) {
    T v{};
    boost::pfr::for_each_field(v, [&](auto& field) { field = Codec<std::remove_cvref_t<decltype(field)>>::decode(r); });
    return v;
  }
};

}  // namespace ensemble
