// format_status: status answers as text (spark's format_status).
#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>

namespace ensemble {

namespace {
void line(std::string& out, const char* label, const std::string& value) {
  out += "  ";
  out += label;
  out += ": ";
  out += value;
  out += '\n';
}
}  // namespace

std::string format_status(const SystemStatus& s) {
  std::string out = "Status of Syndicate '" + s.name + "'";
  if (s.shutting_down) out += " [IN SHUTDOWN]";
  out += '\n';
  line(out, "Backend", s.backend);
  line(out, "Uptime", format_seconds(s.uptime) + " s");
  line(out, "Workers", std::to_string(s.workers));
  line(out, "Actors", std::to_string(s.actor_count));
  line(out, "Dead letters", std::to_string(s.dead_letter_count));
  line(out, "Pending wake-ups", std::to_string(s.pending_wakeups));
  return out;
}

std::string format_status(const ActorStatus& s) {
  std::string out = "Status of Actor " + s.actor_address + "\n";
  line(out, "Class", s.actor_class);
  return out;
}

std::string format_status(const Payload& response) {
  if (const auto* s = response.get_if<SystemStatus>()) return format_status(*s);
  if (const auto* s = response.get_if<ActorStatus>()) return format_status(*s);
  if (const auto* e = response.get_if<ChildActorExited>()) {
    return "EXITING: " + e->child.to_string() + ": " + e->reason + "\n";
  }
  return "Status Query Response: unknown (" + response.type_name() + ")\n";
}

}  // namespace ensemble
