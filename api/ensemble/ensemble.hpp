// ensemble/ensemble.hpp: everything a user of ensemble needs, in one include.
#pragma once

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>
#include <ensemble/ask.hpp>
#include <ensemble/diagnostics.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/global.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/message.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/process.hpp>
#include <ensemble/spec.hpp>
#include <ensemble/remote.hpp>
#include <ensemble/syndicate.hpp>
#include <ensemble/task.hpp>
#include <ensemble/task/run.hpp>
#include <ensemble/value.hpp>
